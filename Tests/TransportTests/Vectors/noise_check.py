# Independent check of the cacophony IKpsk2 vector with pyca/cryptography (not the Swift code):
# prints whether both handshake messages match and the handshake hash it computes.
import hashlib, hmac, json
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
v=json.load(open(__import__('os').path.join(__import__('os').path.dirname(__file__), 'noise-ikpsk2-cacophony.json')))
fx=bytes.fromhex
H=lambda d: hashlib.sha256(d).digest()
def hk(ck,ikm,n):
    t=hmac.new(ck,ikm,hashlib.sha256).digest(); o=[];p=b''
    for i in range(1,n+1):
        p=hmac.new(t,p+bytes([i]),hashlib.sha256).digest(); o.append(p)
    return o
def dh(a,b): return X25519PrivateKey.from_private_bytes(a).exchange(X25519PublicKey.from_public_bytes(b))
def pub(a): return X25519PrivateKey.from_private_bytes(a).public_key().public_bytes_raw()
name=b"Noise_IKpsk2_25519_ChaChaPoly_SHA256"
h=H(name); ck=h; k=None; n=0
def mh(d):
    global h; h=H(h+d)
def mk(i):
    global ck,k,n; ck,k=hk(ck,i,2); n=0
def enc(p):
    global n
    if k is None: mh(p); return p
    c=ChaCha20Poly1305(k).encrypt(b'\0'*4+n.to_bytes(8,'little'),p,h); n+=1; mh(c); return c
mh(fx(v['init_prologue'])); rs=pub(fx(v['resp_static'])); mh(rs)
ie=fx(v['init_ephemeral']); iep=pub(ie); mh(iep); mk(iep); mk(dh(ie,rs))
m=iep+enc(pub(fx(v['init_static']))); mk(dh(fx(v['init_static']),rs)); m+=enc(fx(v['messages'][0]['payload']))
print(m.hex()==v['messages'][0]['ciphertext'])
re=fx(v['resp_ephemeral']); rep=pub(re); mh(rep); mk(rep); mk(dh(ie,rep)); mk(dh(fx(v['init_static']),rep))
ck,th,tk=hk(ck,fx(v['init_psks'][0]),3); mh(th); k=tk; n=0
m2=rep+enc(fx(v['messages'][1]['payload'])); print(m2.hex()==v['messages'][1]['ciphertext'])
print('h', h.hex()); print('want', v['handshake_hash'])
