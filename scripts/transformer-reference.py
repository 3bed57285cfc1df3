"""Reference outputs for the TF.js transformer and the llama2.c loader, computed independently in NumPy
(float64). Writes test/data/llama2c/reference.json (the aidreams260K checkpoint on a fixed token
sequence) and test/models/transformer/random-models.json (two small seeded random models that cover the
configurations the checkpoint does not: layernorm, GELU, learned positions, bidirectional attention,
a classifier head, grouped-query attention, an untied unembedding, biases).

Run from the repository root: python3 scripts/transformer-reference.py
"""
import json, struct
import numpy as np

def rms(x, w, eps=1e-5):
    return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * w

def layer_norm(x, w, b, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b

def erf(x):
    from math import erf as e
    return np.vectorize(e)(x)

def rope(x, pos0, theta=10000.0):
    # x [T, H, d]; adjacent pairs (2i, 2i+1) rotated by pos * theta^(-2i/d), as llama2.c run.c
    T, H, d = x.shape
    out = x.copy()
    for t in range(T):
        for i in range(0, d, 2):
            a = (pos0 + t) * theta ** (-i / d)
            c, s = np.cos(a), np.sin(a)
            out[t, :, i] = x[t, :, i] * c - x[t, :, i + 1] * s
            out[t, :, i + 1] = x[t, :, i] * s + x[t, :, i + 1] * c
    return out

def forward(cfg, W, tokens):
    dim, H, KV = cfg['dim'], cfg['heads'], cfg.get('kvHeads', cfg['heads'])
    hd = dim // H
    T = len(tokens)
    x = W['tokenEmbedding'][tokens].astype(np.float64)
    if cfg['positional'] == 'learned':
        x = x + W['positionEmbedding'][:T]
    def norm(x, n):
        if cfg['norm'] == 'rmsnorm':
            return rms(x, n['scale'])
        return layer_norm(x, n['scale'], n.get('bias', 0))
    residuals, attentions, head_outputs = [x.copy()], [], []
    for L in W['layers']:
        h = norm(x, L['attentionNorm'])
        q = (h @ L['wq'].T + L.get('bq', 0)).reshape(T, H, hd)
        k = (h @ L['wk'].T + L.get('bk', 0)).reshape(T, KV, hd)
        v = (h @ L['wv'].T + L.get('bv', 0)).reshape(T, KV, hd)
        if cfg['positional'] == 'rotary':
            q, k = rope(q, 0), rope(k, 0)
        att = np.zeros((H, T, T))
        out = np.zeros((T, H, hd))
        for head in range(H):
            kvh = head // (H // KV)
            s = q[:, head, :] @ k[:, kvh, :].T / np.sqrt(hd)
            if cfg['causal']:
                s = np.where(np.tril(np.ones((T, T))) > 0, s, -np.inf)
            s = np.exp(s - s.max(-1, keepdims=True))
            s = s / s.sum(-1, keepdims=True)
            att[head] = s
            out[:, head, :] = s @ v[:, kvh, :]
        attentions.append(att)
        head_outputs.append(np.stack([out[:, hh, :] @ L['wo'][:, hh * hd:(hh + 1) * hd].T for hh in range(H)]))
        x = x + out.reshape(T, dim) @ L['wo'].T + L.get('bo', 0)
        h = norm(x, L['mlpNorm'])
        a = h @ L['w1'].T + L.get('b1', 0)
        if cfg['mlp'] == 'swiglu':
            hidden = a / (1 + np.exp(-a)) * (h @ L['w3'].T)
        else:
            hidden = 0.5 * a * (1 + erf(a / np.sqrt(2)))
        x = x + hidden @ L['w2'].T + L.get('b2', 0)
        residuals.append(x.copy())
    xn = norm(x, W['finalNorm'])
    if 'classifier' in cfg:
        pool = cfg['classifier']['pooling']
        p = xn.mean(0) if pool == 'mean' else xn[0] if pool == 'first' else xn[-1]
        logits = p @ W['classifier']['weight'].T + W['classifier'].get('bias', 0)
    else:
        U = W['tokenEmbedding'] if cfg['tiedUnembedding'] else W['unembedding']
        logits = xn @ U.T
    forward.head_outputs = head_outputs
    return logits, attentions, residuals

def random_model(cfg, rng, biases):
    dim, H, KV, hid, V = cfg['dim'], cfg['heads'], cfg.get('kvHeads', cfg['heads']), cfg['hiddenDim'], cfg['vocabSize']
    hd = dim // H
    f = lambda *s: (rng.standard_normal(s) * 0.5).astype(np.float32)
    def norm():
        n = {'scale': (1 + 0.3 * rng.standard_normal(dim)).astype(np.float32)}
        if cfg['norm'] == 'layernorm': n['bias'] = f(dim)
        return n
    W = {'tokenEmbedding': f(V, dim), 'layers': [], 'finalNorm': norm()}
    if cfg['positional'] == 'learned': W['positionEmbedding'] = f(cfg['maxLength'], dim)
    for _ in range(cfg['layers']):
        L = {'attentionNorm': norm(), 'wq': f(H * hd, dim), 'wk': f(KV * hd, dim), 'wv': f(KV * hd, dim), 'wo': f(dim, H * hd),
             'mlpNorm': norm(), 'w1': f(hid, dim), 'w2': f(dim, hid)}
        if cfg['mlp'] == 'swiglu': L['w3'] = f(hid, dim)
        if biases:
            L.update(bq=f(H * hd), bk=f(KV * hd), bv=f(KV * hd), bo=f(dim), b1=f(hid), b2=f(dim))
        W['layers'].append(L)
    if not cfg['tiedUnembedding'] and 'classifier' not in cfg: W['unembedding'] = f(V, dim)
    if 'classifier' in cfg: W['classifier'] = {'weight': f(cfg['classifier']['classes'], dim), 'bias': f(cfg['classifier']['classes'])}
    return W

def tolist(obj):
    if isinstance(obj, np.ndarray): return [float(f'{v:.8g}') for v in obj.ravel()]
    if isinstance(obj, dict): return {k: tolist(v) for k, v in obj.items()}
    if isinstance(obj, list): return [tolist(v) for v in obj]
    return obj

def random_models():
    rng = np.random.default_rng(20261129)
    classifier = dict(vocabSize=11, dim=8, layers=2, heads=4, kvHeads=2, hiddenDim=12, maxLength=6, norm='layernorm', mlp='gelu',
                      causal=False, positional='learned', tiedUnembedding=False, classifier=dict(classes=3, pooling='mean'))
    decoder = dict(vocabSize=13, dim=8, layers=2, heads=4, kvHeads=2, hiddenDim=10, maxLength=7, norm='rmsnorm', mlp='swiglu',
                   causal=True, positional='rotary', tiedUnembedding=False)
    out = []
    for name, cfg, biases, tokens in [('classifier', classifier, True, [[3, 1, 4, 1, 5], [9, 2, 6, 5, 3]]),
                                      ('decoder', decoder, False, [[1, 12, 0, 7, 7, 2], [5, 4, 3, 2, 1, 0]])]:
        W = random_model(cfg, rng, biases)
        runs = []
        for seq in tokens:
            logits, att, res = forward(cfg, W, seq)
            runs.append({'tokens': seq, 'logits': tolist(logits), 'attentions': tolist(np.stack(att)), 'residuals': tolist(np.stack(res)),
                         'headOutputs': tolist(np.stack(forward.head_outputs))})
        out.append({'name': name, 'config': cfg, 'weights': tolist(W), 'runs': runs})
    return out

def aidreams():
    path = '../shared/data/models/aidreams260K/aidreams260K.bin'
    b = open(path, 'rb').read()
    dim, hid, L, H, KV, V, S = struct.unpack('7i', b[:28])
    f = np.frombuffer(b[28:], dtype=np.float32)
    c = 0
    def take(*s):
        nonlocal c
        n = int(np.prod(s)); a = f[c:c + n].reshape(s); c += n; return a
    emb = take(abs(V), dim); ra = take(L, dim); wq = take(L, dim, dim); wk = take(L, KV * dim // H, dim); wv = take(L, KV * dim // H, dim)
    wo = take(L, dim, dim); rf = take(L, dim); w1 = take(L, hid, dim); w2 = take(L, dim, hid); w3 = take(L, hid, dim); fin = take(dim)
    W = {'tokenEmbedding': emb, 'finalNorm': {'scale': fin},
         'layers': [{'attentionNorm': {'scale': ra[l]}, 'wq': wq[l], 'wk': wk[l], 'wv': wv[l], 'wo': wo[l], 'mlpNorm': {'scale': rf[l]},
                     'w1': w1[l], 'w2': w2[l], 'w3': w3[l]} for l in range(L)]}
    cfg = dict(dim=dim, heads=H, kvHeads=KV, norm='rmsnorm', mlp='swiglu', causal=True, positional='rotary', tiedUnembedding=True)
    ref = json.load(open('../shared/data/models/aidreams260K/greedy_reference.json'))
    tokens = [1] + ref['greedy_token_ids'][:23]
    logits, att, res = forward(cfg, W, tokens)
    return {'source': 'aidreams260K.bin, NumPy float64 forward by scripts/transformer-reference.py',
            'tokens': tokens, 'logits': tolist(logits), 'attentions': tolist(np.stack(att)),
            'finalResidual': tolist(res[-1])}

def read_tokenizer(path):
    t = open(path, 'rb').read()
    at = 4
    pieces, scores = [], []
    while at < len(t):
        score, n = struct.unpack('<fi', t[at:at + 8]); at += 8
        pieces.append(t[at:at + n]); scores.append(score); at += n
    return pieces, scores

def encode(pieces, scores, text):
    # llama2.c run.c encode(): BOS, dummy prefix ' ', UTF-8 characters or byte fallback (+3), best-score merges
    index = {}
    for i, p in enumerate(pieces): index.setdefault(p, i)
    tokens = [1]
    if text:
        tokens.append(index[b' '])
        for ch in text:
            b = ch.encode('utf-8')
            if b in index: tokens.append(index[b])
            else: tokens.extend(x + 3 for x in b)
    while True:
        best = (-1e10, -1, -1)
        for i in range(len(tokens) - 1):
            j = index.get(pieces[tokens[i]] + pieces[tokens[i + 1]])
            if j is not None and scores[j] > best[0]: best = (scores[j], j, i)
        if best[2] < 0: break
        tokens[best[2]:best[2] + 2] = [best[1]]
    return tokens

TEXTS = ['', 'a', 'Echoes of vectors unfold, a gentle hum of precision.', 'Tab\tnewline\nend',
         'Zürich naïve café: 3.14 × 2 ≈ 6.28 🙂 日本', '  two  spaces   ']

if __name__ == '__main__':
    import os
    
    def dump(path, obj):
        with open(path, 'w') as fh: json.dump(obj, fh, separators=(',', ':'))
    dump('test/models/transformer/random-models.json', random_models())
    ref = aidreams()
    pieces, scores = read_tokenizer('../shared/data/models/aidreams260K/tok512.bin')
    ref['encodings'] = [{'text': t, 'ids': encode(pieces, scores, t)} for t in TEXTS]
    dump('test/data/llama2c/reference.json', ref)
