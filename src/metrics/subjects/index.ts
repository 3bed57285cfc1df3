export { createImageSubject, ImageSubject, type ImageSubjectOptions } from './image.js';
export { createTabularSubject, TabularSubject, ModelBackedTabularSubject, type TabularSubjectOptions, type TabularSubjectMethodOptions } from './tabular.js';
export { createTextSubject, TextSubject, TEXT_SUBJECT_METHODS, type TextSubjectMethod, type TextSubjectModel, type TextSubjectOptions } from './text.js';
export type { SubjectProgress } from './subject-helpers.js';
