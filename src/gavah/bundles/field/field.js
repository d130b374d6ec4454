// The offline field page: seals files into a gavah bundle in the browser, with no network.
// It follows docs/bundles.md (format gavah-bundle/1) as src/gavah/bundles/seal.py does; section
// numbers (§) are that document's. Bundled with the age and Ed25519 libraries into
// field.bundle.js (see README.md); `gavah bundle field-page` puts that into one HTML file.
import { Encrypter } from "age-encryption";
import { ed25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";

const MAGIC = new TextEncoder().encode("gavahpc1");
const PROOF_SLOTS = 24;
const HEADER = 64 + 32 * PROOF_SLOTS;
const AGE_CHUNK = 65536;
const AGE_HEADER_ROOM = 1024;
const CONTEXT = new TextEncoder().encode("gavah-bundle/1 manifest\n");
const KEY_STORE = "gavah-field-key";

const $ = (id) => document.getElementById(id);
const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
const fromHex = (text) => Uint8Array.from(text.match(/../g), (h) => parseInt(h, 16));
const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// --- the field key: made once on this device, kept in this browser ---------------------------
function fieldKey() {
  let seed = localStorage.getItem(KEY_STORE);
  if (!seed || !/^[0-9a-f]{64}$/.test(seed)) {
    seed = hex(crypto.getRandomValues(new Uint8Array(32)));
    localStorage.setItem(KEY_STORE, seed);
  }
  const secret = fromHex(seed);
  return { secret, public: hex(ed25519.getPublicKey(secret)) };
}

// --- §3.1 the archive: ustar headers --------------------------------------------------------
function tarHeader(name, size) {
  const h = new Uint8Array(512);
  const put = (text, at) => h.set(new TextEncoder().encode(text), at);
  const octal = (n, width) => n.toString(8).padStart(width - 1, "0") + "\0";
  put(name, 0);
  put(octal(0o600, 8), 100);
  put(octal(0, 8), 108);
  put(octal(0, 8), 116);
  put(octal(size, 12), 124);
  put(octal(0, 12), 136);
  put("        ", 148); // the checksum counts its own field as spaces
  put("0", 156);
  put("ustar\x0000", 257);
  const sum = h.reduce((a, b) => a + b, 0);
  put(sum.toString(8).padStart(6, "0") + "\0 ", 148);
  return h;
}

const blocks = (size) => 512 + Math.ceil(size / 512) * 512;
const pad512 = (size) => new Uint8Array((512 - (size % 512)) % 512);
const member = (i) => "files/" + String(i).padStart(6, "0");

// §3.2: keys in sorted order, as JSON.stringify keeps insertion order
function manifestBytes(meta, listed, signer) {
  const body = { files: listed, format: "gavah-bundle/1" };
  if (meta.note) body.note = meta.note;
  body.sealed_at = meta.sealed_at;
  body.signer = signer;
  return new TextEncoder().encode(JSON.stringify(body));
}

// §4.3
function plan(archive, pieceSize) {
  const body = pieceSize - HEADER;
  const ct = (plain) => AGE_HEADER_ROOM + 16 + plain + 16 * Math.max(1, Math.ceil(plain / AGE_CHUNK));
  const count = Math.ceil(ct(archive) / body);
  let padded = archive + Math.floor((count * body - ct(archive)) / 512) * 512;
  while (ct(padded) > count * body) padded -= 512;
  return { count, padded, body };
}

// --- §4.2 the tree ---------------------------------------------------------------------------
const split = (n) => 2 ** Math.floor(Math.log2(n - 1));
const node = (l, r) => sha256(concat([new Uint8Array([1]), l, r]));

function makeTree(leaves) {
  const kept = new Map();
  const root = (lo, hi) => {
    if (hi - lo === 1) return leaves[lo];
    const key = lo + ":" + hi;
    if (!kept.has(key)) {
      const k = lo + split(hi - lo);
      kept.set(key, node(root(lo, k), root(k, hi)));
    }
    return kept.get(key);
  };
  const proof = (index) => {
    const path = [];
    let lo = 0;
    let hi = leaves.length;
    while (hi - lo > 1) {
      const k = lo + split(hi - lo);
      if (index < k) {
        path.push(root(k, hi));
        hi = k;
      } else {
        path.push(root(lo, k));
        lo = k;
      }
    }
    return path.reverse();
  };
  return { root: () => root(0, leaves.length), proof };
}

function fields(index, count, body, length) {
  const f = new Uint8Array(20);
  const v = new DataView(f.buffer);
  v.setUint32(0, index);
  v.setUint32(4, count);
  v.setUint32(8, body);
  v.setBigUint64(12, BigInt(length));
  return f;
}

// --- sealing ---------------------------------------------------------------------------------
async function seal(files, recipient, options, say) {
  const meta = { sealed_at: iso(Date.now()), note: options.note };
  const key = options.sign ? fieldKey() : null;
  const parts = [];
  const listed = [];
  for (const [n, file] of files.entries()) {
    say(`${n + 1}/${files.length}: ${file.name}`);
    const data = new Uint8Array(await file.arrayBuffer());
    parts.push(tarHeader(member(n + 1), data.length), data, pad512(data.length));
    const item = {};
    if (options.times) item.captured_at = iso(file.lastModified);
    Object.assign(item, { member: member(n + 1), name: file.name, sha256: hex(sha256(data)), size: data.length });
    listed.push(item);
  }
  const manifest = manifestBytes(meta, listed, key ? key.public : null);
  parts.push(tarHeader("manifest.json", manifest.length), manifest, pad512(manifest.length));
  if (key) {
    parts.push(tarHeader("manifest.sig", 64), ed25519.sign(concat([CONTEXT, manifest]), key.secret));
    parts.push(new Uint8Array(448));
  }
  const archive = parts.reduce((n, p) => n + p.length, 0) + 1024;
  const { count, padded, body } = plan(archive, options.pieceSize);
  const plain = new Uint8Array(padded);
  plain.set(concat(parts), 0);
  say("encrypting");
  const age = new Encrypter();
  age.addRecipient(recipient);
  const payload = await age.encrypt(plain);
  if (payload.length > count * body) throw new Error("age's header was longer than the room kept for it");
  return frame(payload, count, body);
}

function frame(payload, count, body) {
  const bodies = [];
  for (let i = 0; i < count; i++) {
    const b = new Uint8Array(body);
    b.set(payload.subarray(i * body, Math.min((i + 1) * body, payload.length)));
    bodies.push(b);
  }
  const leaves = bodies.map((b, i) =>
    sha256(concat([new Uint8Array([0]), MAGIC, fields(i, count, body, payload.length), sha256(b)])),
  );
  const tree = makeTree(leaves);
  const root = tree.root();
  return bodies.map((b, i) => {
    const proof = tree.proof(i);
    const head = new Uint8Array(HEADER);
    head.set(MAGIC, 0);
    head.set(root, 8);
    head.set(fields(i, count, body, payload.length), 40);
    head[60] = proof.length;
    proof.forEach((p, j) => head.set(p, 64 + 32 * j));
    const width = String(count).length;
    const name = `gavah-${hex(root).slice(0, 16)}-${String(i + 1).padStart(width, "0")}-of-${count}.piece`;
    return new File([head, b], name, { type: "application/octet-stream" });
  });
}

// --- the page --------------------------------------------------------------------------------
function show(pieces) {
  const list = $("pieces");
  list.replaceChildren();
  for (const piece of pieces) {
    const link = document.createElement("a");
    link.href = URL.createObjectURL(piece);
    link.download = piece.name;
    link.textContent = piece.name;
    const item = document.createElement("li");
    item.append(link);
    list.append(item);
  }
  const share = $("share");
  share.hidden = !(navigator.canShare && navigator.canShare({ files: pieces }));
  share.onclick = () => navigator.share({ files: pieces }).catch(() => {});
  $("result").hidden = false;
}

function start() {
  const recipient = document.body.dataset.recipient;
  const pieceSize = Number(document.body.dataset.pieceSize);
  $("signer").textContent = fieldKey().public;
  $("seal").addEventListener("click", async () => {
    const files = Array.from($("files").files);
    const status = $("status");
    if (!files.length) {
      status.textContent = status.dataset.nofiles;
      return;
    }
    $("seal").disabled = true;
    try {
      const options = { note: $("note").value.trim(), times: $("times").checked, sign: $("sign").checked, pieceSize };
      const pieces = await seal(files, recipient, options, (text) => (status.textContent = text));
      status.textContent = status.dataset.done.replaceAll("{n}", String(pieces.length));
      document.body.dataset.sealed = String(pieces.length);
      show(pieces);
    } catch (err) {
      status.textContent = String(err && err.message ? err.message : err);
      document.body.dataset.failed = "1";
    } finally {
      $("seal").disabled = false;
    }
  });
}

start();
