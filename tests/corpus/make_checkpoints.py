"""A corpus of crafted checkpoint files: broken, hostile, and a few valid but odd.

Every case is a function that returns the file's bytes, registered with what loading it must
do: "refuse" (ValueError) or "load" (a sane Trainer). tests/test_checkpoint_corpus.py writes
the corpus into a temporary folder and loads every file; to look at the files yourself:

    python -m tests.corpus.make_checkpoints /tmp/corpus

The hostile files cover the zip container (truncation, bombs, comments, zip64, forged
directories, links, encryption, odd compressions), the members (unknown, repeated, missing),
the .npy headers (forged shapes and sizes, pickled objects with an os.system payload, wrong
dtypes, Fortran order), the JSON header (non-UTF-8, nesting bombs, duplicate keys, NaN,
1e400, huge and negative counters, bad configs, Markdown in the divergence note) and the
numbers (inf, NaN, negative second moments, wrong shapes, histories that go back in time).
"""

from __future__ import annotations

import functools
import io
import json
import os
import pickle
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from evengan import GANConfig, Trainer, checkpoint

# Every file a pickle payload could leave behind lands here, so a test can look for it.
MARKER = "PWNED"


@dataclass(frozen=True)
class Case:
    name: str
    expect: str  # "refuse" or "load"
    build: Callable[[Path], bytes]  # gets the corpus folder (for the payload's marker file)


CASES: dict[str, Case] = {}


def case(name: str, expect: str = "refuse"):
    def register(build: Callable[..., bytes]) -> Callable[..., bytes]:
        params = build.__code__.co_argcount
        CASES[name] = Case(name, expect, build if params else lambda folder: build())
        return build
    return register


# ---- a real checkpoint, taken apart -------------------------------------------------------


@dataclass(frozen=True)
class Parts:
    meta: dict
    arrays: dict[str, np.ndarray]

    def members(self) -> dict[str, bytes]:
        """Each member's .npy bytes, as np.savez writes them."""
        payload = dict(self.arrays)
        payload["meta"] = _meta_array(self.meta)
        return {f"{k}.npy": npy_bytes(v) for k, v in payload.items()}


def _meta_array(meta: dict) -> np.ndarray:
    return np.frombuffer(json.dumps(meta, sort_keys=True).encode(), dtype=np.uint8)


@functools.cache
def _saved(n_bits: int = 7, steps: int = 60) -> bytes:
    trainer = Trainer(GANConfig(n_bits=n_bits, seed=3))
    trainer.run(steps)
    buf = io.BytesIO()
    trainer.save(buf)
    return buf.getvalue()


def parts(n_bits: int = 7) -> Parts:
    """The tutorial config's checkpoint after 60 steps, as a header and arrays (fresh copies)."""
    with np.load(io.BytesIO(_saved(n_bits))) as archive:
        arrays = {k: archive[k].copy() for k in archive.files if k != "meta"}
        meta = json.loads(archive["meta"].tobytes())
    return Parts(meta, arrays)


def write(p: Parts, compressed: bool = True) -> bytes:
    """A checkpoint from parts, written the way Trainer.save writes one."""
    buf = io.BytesIO()
    payload = {k: v for k, v in p.arrays.items()}
    payload["meta"] = _meta_array(p.meta)
    (np.savez_compressed if compressed else np.savez)(buf, **payload)
    return buf.getvalue()


def with_meta(**changes) -> bytes:
    p = parts()
    p.meta.update(changes)
    return write(p)


def with_config(**changes) -> bytes:
    p = parts()
    p.meta["config"].update(changes)
    return write(p)


def with_array(name: str, change: Callable[[np.ndarray], np.ndarray]) -> bytes:
    p = parts()
    p.arrays[name] = change(p.arrays[name])
    return write(p)


def with_meta_text(text: bytes) -> bytes:
    p = parts()
    members = p.members()
    members["meta.npy"] = npy_bytes(np.frombuffer(text, dtype=np.uint8))
    return zip_members(members)


def npy_bytes(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=True)  # the corpus may hold pickles; the reader may not
    return buf.getvalue()


def forged_npy(header: str, data: bytes = b"", version: tuple[int, int] = (1, 0)) -> bytes:
    """A .npy with a header of our choosing, padded as numpy pads it."""
    text = header.encode("latin1")
    fmt = "<H" if version == (1, 0) else "<I"
    pre = 8 + struct.calcsize(fmt)
    pad = (-(pre + len(text) + 1)) % 64
    text += b" " * pad + b"\n"
    return b"\x93NUMPY" + bytes(version) + struct.pack(fmt, len(text)) + text + data


def zip_members(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def raw_zip(entries: list[dict], comment: bytes = b"", prefix: bytes = b"") -> bytes:
    """A zip written by hand, so that its directory can say whatever a forger wants.

    Each entry: name, data (as stored), and optional method, crc, size (inflated), csize,
    flags, attr (external attributes), cextra (central directory extra field).
    """
    out, central = bytearray(prefix), bytearray()
    for e in entries:
        name = e["name"].encode() if isinstance(e["name"], str) else e["name"]
        data = e["data"]
        method, flags = e.get("method", 0), e.get("flags", 0)
        crc = e.get("crc", zlib.crc32(data))
        size = e.get("size", len(data))
        csize = e.get("csize", len(data))
        cextra = e.get("cextra", b"")
        offset = len(out)
        small = (min(size, 0xFFFFFFFF), min(csize, 0xFFFFFFFF))
        out += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, flags, method, 0, 33, crc,
                           small[1], small[0], len(name), 0) + name + data
        central += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 0x0314, 20, flags, method, 0, 33,
                               crc, small[1], small[0], len(name), len(cextra), 0, 0, 0,
                               e.get("attr", 0o600 << 16), offset) + name + cextra
    cd_offset = len(out)
    n = len(entries)
    out += central
    out += struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, n, n, len(central), cd_offset,
                       len(comment)) + comment
    return bytes(out)


def deflate(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def zero_bomb(gigabytes: float) -> bytes:
    """A raw deflate stream of `gigabytes` GB of zeros, built in milliseconds.

    After a full flush a deflate block refers to nothing before it, so the compressed form of
    one MB of zeros can be repeated as often as we like.
    """
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(bytes(2**20)) + c.flush(zlib.Z_FULL_FLUSH)
    return block * int(gigabytes * 1000) + c.flush()


def real_entries() -> list[dict]:
    """The real checkpoint's members as raw_zip entries (stored)."""
    return [{"name": k, "data": v} for k, v in parts().members().items()]


class Boom:
    """Unpickling this runs a shell command that leaves a marker file."""

    def __init__(self, folder: Path):
        self.folder = folder

    def __reduce__(self):
        return (os.system, (f"echo pwned > {self.folder / MARKER}",))


# ---- the container ------------------------------------------------------------------------


@case("empty-file")
def _() -> bytes:
    return b""


@case("text-file")
def _() -> bytes:
    return b"definitely not a checkpoint\n" * 10


@case("pickle-with-os-system")
def _(folder: Path) -> bytes:
    return pickle.dumps({"config": Boom(folder)})


@case("bare-npy")
def _() -> bytes:
    return npy_bytes(np.zeros(10))


@case("bare-npy-pickled-object")
def _(folder: Path) -> bytes:
    return npy_bytes(np.array([Boom(folder)], dtype=object))


@case("truncated-zip-half")
def _() -> bytes:
    data = write(parts())
    return data[: len(data) // 2]


@case("truncated-zip-last-byte")
def _() -> bytes:
    return write(parts())[:-1]


@case("junk-after-zip")
def _() -> bytes:
    return write(parts()) + b"\0" * 100


@case("junk-before-zip-polyglot")
def _() -> bytes:
    # A valid zip with a GIF in front (offsets count from the file's start, as zip allows).
    return raw_zip(real_entries(), prefix=b"GIF89a" + b"\0" * 64)


@case("zip-with-comment")
def _() -> bytes:
    return raw_zip(real_entries(), comment=b"hello")


@case("zip64-end-locator")
def _() -> bytes:
    data = raw_zip(real_entries())
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, 0, 1)
    return data[:-22] + locator + data[-22:]


@case("directory-lists-100k-members")
def _() -> bytes:
    data = bytearray(raw_zip(real_entries()))
    struct.pack_into("<2H", data, len(data) - 22 + 8, 50_000, 50_000)
    return bytes(data)


@case("directory-of-50k-empty-members")
def _() -> bytes:
    return raw_zip([{"name": f"{i}", "data": b""} for i in range(50_000)])


@case("directory-garbage")
def _() -> bytes:
    data = bytearray(raw_zip(real_entries()))
    cd_size, cd_offset = struct.unpack_from("<2L", data, len(data) - 22 + 12)
    data[cd_offset: cd_offset + cd_size] = os.urandom(cd_size)
    return bytes(data)


@case("directory-offset-outside-file")
def _() -> bytes:
    data = bytearray(raw_zip(real_entries()))
    struct.pack_into("<L", data, len(data) - 22 + 16, 0xFFFFFF00)
    return bytes(data)


@case("zip-bomb-4.5GB-declared-zip64")
def _() -> bytes:
    # The file: 4.6 MB on disk, one member that inflates to 4.5 GB.
    body = zero_bomb(4.5)
    size = 4_500 * 2**20
    extra = struct.pack("<2H2Q", 1, 16, size, len(body))
    return raw_zip([{"name": "g.npy", "data": body, "method": 8, "crc": 0,
                     "size": size, "csize": len(body), "cextra": extra}])


@case("zip-bomb-1GB-declared-honestly")
def _() -> bytes:
    body = zero_bomb(1)
    entries = real_entries()
    entries[0] = {"name": "g.npy", "data": body, "method": 8, "crc": 0, "size": 1000 * 2**20}
    return raw_zip(entries)


@case("zip-bomb-lying-size")
def _() -> bytes:
    # The directory claims 576 bytes (with their CRC), the stream inflates to 1 GB of zeros:
    # only the 576 are ever inflated, and they are no array.
    body = zero_bomb(1)
    entries = real_entries()
    entries[0] = {"name": "g.npy", "data": body, "method": 8, "crc": zlib.crc32(bytes(576)),
                  "size": 576}
    return raw_zip(entries)


@case("zip-bomb-in-meta")
def _() -> bytes:
    body = zero_bomb(1)
    entries = [e for e in real_entries() if e["name"] != "meta.npy"]
    entries.append({"name": "meta.npy", "data": body, "method": 8,
                    "crc": zlib.crc32(bytes(4000)), "size": 4000})
    return raw_zip(entries)


@case("overlapping-members")
def _() -> bytes:
    # Two directory entries pointing at one local file: the classic non-recursive bomb.
    data = bytearray(raw_zip(real_entries()))
    cd_size, cd_offset = struct.unpack_from("<2L", data, len(data) - 22 + 12)
    pos = cd_offset
    while pos < cd_offset + cd_size:  # point every entry at the first local header
        name_len, extra_len, comment_len = struct.unpack_from("<3H", data, pos + 28)
        struct.pack_into("<L", data, pos + 42, 0)
        pos += 46 + name_len + extra_len + comment_len
    return bytes(data)


@case("bad-crc")
def _() -> bytes:
    entries = real_entries()
    good = entries[0]["data"]
    entries[0] = {**entries[0], "data": good[:-1] + bytes([good[-1] ^ 1]), "crc": zlib.crc32(good)}
    return raw_zip(entries)


@case("encrypted-member")
def _() -> bytes:
    entries = real_entries()
    entries[0] = {**entries[0], "flags": 1}
    return raw_zip(entries)


@case("bzip2-member")
def _() -> bytes:
    members = parts().members()
    return zip_members(members, compression=zipfile.ZIP_BZIP2)


@case("lzma-member")
def _() -> bytes:
    return zip_members(parts().members(), compression=zipfile.ZIP_LZMA)


@case("unknown-compression-method")
def _() -> bytes:
    entries = real_entries()
    entries[0] = {**entries[0], "method": 99}
    return raw_zip(entries)


@case("deflate-garbage")
def _() -> bytes:
    entries = real_entries()
    entries[0] = {**entries[0], "data": os.urandom(400), "method": 8, "size": 576}
    return raw_zip(entries)


# ---- the members --------------------------------------------------------------------------


@case("extra-member-twelfth")
def _() -> bytes:
    members = parts().members()
    members["evil.npy"] = npy_bytes(np.zeros(3))
    return zip_members(members)


@case("unknown-member-in-place-of-one")
def _() -> bytes:
    members = parts().members()
    members["evil.npy"] = members.pop("timeline.npy")
    return zip_members(members)


@case("member-path-traversal")
def _() -> bytes:
    members = parts().members()
    members["../g.npy"] = members.pop("g.npy")
    return zip_members(members)


@case("member-absolute-path")
def _() -> bytes:
    members = parts().members()
    del members["timeline.npy"]
    members["/etc/passwd"] = b"root:x:0:0"
    return zip_members(members)


@case("member-is-a-symlink")
def _() -> bytes:
    entries = real_entries()
    entries[0] = {**entries[0], "attr": 0o120777 << 16}
    return raw_zip(entries)


@case("member-is-a-symlink-to-etc-passwd")
def _() -> bytes:
    entries = real_entries()
    entries[0] = {"name": "g.npy", "data": b"/etc/passwd", "attr": 0o120777 << 16}
    return raw_zip(entries)


@case("member-is-a-folder")
def _() -> bytes:
    entries = [e for e in real_entries() if e["name"] != "history.npy"]
    entries.append({"name": "history.npy/", "data": b"", "attr": (0o040755 << 16) | 0x10})
    return raw_zip(entries)


@case("member-is-a-folder-by-its-mode")
def _() -> bytes:
    entries = real_entries()
    entries[0] = {**entries[0], "attr": 0o040755 << 16}
    return raw_zip(entries)


@case("member-name-case")
def _() -> bytes:
    members = parts().members()
    members["G.NPY"] = members.pop("g.npy")
    return zip_members(members)


@case("member-name-without-npy")
def _() -> bytes:
    members = parts().members()
    members["meta"] = members.pop("meta.npy")
    return zip_members(members)


@case("member-name-with-nul")
def _() -> bytes:
    entries = real_entries()
    entries[0] = {**entries[0], "name": b"g.npy\0.txt"}
    return raw_zip(entries)


@case("duplicate-member")
def _() -> bytes:
    # Eleven members, as a checkpoint has, but g twice and no timeline.
    entries = [e for e in real_entries() if e["name"] != "timeline.npy"]
    entries.append({"name": "g.npy", "data": entries[0]["data"]})
    return raw_zip(entries)


@case("missing-member-d_v")
def _() -> bytes:
    members = parts().members()
    del members["d_v.npy"]
    return zip_members(members)


@case("missing-meta")
def _() -> bytes:
    members = parts().members()
    del members["meta.npy"]
    return zip_members(members)


@case("missing-timeline")
def _() -> bytes:
    members = parts().members()
    del members["timeline.npy"]
    return zip_members(members)


@case("timeline-where-config-has-none")
def _() -> bytes:
    p = parts(11)
    p.arrays["timeline"] = np.zeros((0, 2**11 + 1))
    return write(p)


@case("foreign-npz")
def _() -> bytes:
    buf = io.BytesIO()
    np.savez(buf, weights=np.ones(3))
    return buf.getvalue()


@case("non-npy-member")
def _() -> bytes:
    members = parts().members()
    members["g.npy"] = b"this is not an array at all" * 3
    return zip_members(members)


# ---- the .npy headers ---------------------------------------------------------------------


@case("forged-header-58TiB")
def _() -> bytes:
    # The shape claims 2^43 float64s (64 TiB); the data is a few bytes.
    members = parts().members()
    members["g.npy"] = forged_npy("{'descr': '<f8', 'fortran_order': False, "
                                  "'shape': (1, 8000000000000), }", b"\0" * 64)
    return zip_members(members)


@case("forged-header-negative-shape")
def _() -> bytes:
    members = parts().members()
    members["g.npy"] = forged_npy("{'descr': '<f8', 'fortran_order': False, "
                                  "'shape': (1, -56), }", b"\0" * 448)
    return zip_members(members)


@case("forged-header-size-larger-than-data")
def _() -> bytes:
    members = parts().members()
    members["g.npy"] = forged_npy("{'descr': '<f8', 'fortran_order': False, "
                                  "'shape': (1, 56), }", b"\0" * 100)
    return zip_members(members)


@case("trailing-bytes-after-data")
def _() -> bytes:
    members = parts().members()
    members["g.npy"] += b"\0" * 64
    return zip_members(members)


@case("npy-version-3")
def _() -> bytes:
    members = parts().members()
    members["g.npy"] = forged_npy("{'descr': '<f8', 'fortran_order': False, "
                                  "'shape': (1, 56), }", b"\0" * 448, version=(3, 0))
    return zip_members(members)


@case("npy-header-length-4GB")
def _() -> bytes:
    members = parts().members()
    members["g.npy"] = b"\x93NUMPY\x02\x00" + struct.pack("<I", 0xFFFFFFF0) + b"{" * 200
    return zip_members(members)


@case("npy-header-not-a-dict")
def _() -> bytes:
    members = parts().members()
    members["g.npy"] = forged_npy("[1, 2, 3]", b"\0" * 448)
    return zip_members(members)


@case("npy-header-paren-bomb")
def _() -> bytes:
    members = parts().members()
    members["g.npy"] = forged_npy("(" * 900 + ")" * 900)
    return zip_members(members)


@case("npy-header-code")
def _() -> bytes:
    members = parts().members()
    members["g.npy"] = forged_npy("__import__('os').system('echo pwned')", b"\0" * 448)
    return zip_members(members)


@case("pickled-object-array-meta")
def _(folder: Path) -> bytes:
    members = parts().members()
    members["meta.npy"] = npy_bytes(np.array([Boom(folder)], dtype=object))
    return zip_members(members)


@case("pickled-object-array-weights")
def _(folder: Path) -> bytes:
    members = parts().members()
    members["g.npy"] = npy_bytes(np.array([[Boom(folder)] * 56], dtype=object))
    return zip_members(members)


@case("pickled-structured-array")
def _(folder: Path) -> bytes:
    members = parts().members()
    arr = np.zeros((1, 56), dtype=[("w", "<f8"), ("o", object)])
    arr["o"] = Boom(folder)
    members["g.npy"] = npy_bytes(arr)
    return zip_members(members)


@case("fortran-order")
def _() -> bytes:
    return with_array("history", lambda a: np.asfortranarray(a))


@case("big-endian-weights")
def _() -> bytes:
    return with_array("g", lambda a: a.astype(">f8"))


@case("float32-weights")
def _() -> bytes:
    return with_array("g", lambda a: a.astype(np.float32))


@case("int64-weights")
def _() -> bytes:
    return with_array("g", lambda a: a.astype(np.int64))


@case("complex-weights")
def _() -> bytes:
    return with_array("g", lambda a: a.astype(np.complex128))


@case("float16-history")
def _() -> bytes:
    return with_array("history", lambda a: a.astype(np.float16))


@case("meta-as-float64")
def _() -> bytes:
    p = parts()
    members = p.members()
    members["meta.npy"] = npy_bytes(_meta_array(p.meta).astype(np.float64))
    return zip_members(members)


@case("meta-2d")
def _() -> bytes:
    p = parts()
    members = p.members()
    members["meta.npy"] = npy_bytes(_meta_array(p.meta)[None, :])
    return zip_members(members)


# ---- the JSON header ----------------------------------------------------------------------


@case("header-not-utf8")
def _() -> bytes:
    return with_meta_text(b'{"format": "evengan-checkpoint", "note": "\xff\xfe"}')


@case("header-not-json")
def _() -> bytes:
    return with_meta_text(b"format = evengan-checkpoint")


@case("header-json-list")
def _() -> bytes:
    return with_meta_text(b'["evengan-checkpoint", 1]')


@case("header-bomb-100k-brackets")
def _() -> bytes:
    return with_meta_text(b"[" * 100_000)


@case("header-bomb-30k-brackets")
def _() -> bytes:
    # Under the header size limit: the guard on the JSON parser's recursion refuses it.
    return with_meta_text(b"[" * 30_000 + b"]" * 30_000)


@case("header-bomb-deep-object")
def _() -> bytes:
    return with_meta_text(b'{"a":' * 10_000 + b"1" + b"}" * 10_000)


@case("header-duplicate-keys")
def _() -> bytes:
    p = parts()
    text = json.dumps(p.meta, sort_keys=True)
    return with_meta_text(text.replace('"steps": 60', '"steps": 60, "steps": 7').encode())


@case("header-nan-literal")
def _() -> bytes:
    p = parts()
    text = json.dumps(p.meta, sort_keys=True)
    return with_meta_text(text.replace('"steps": 60', '"steps": NaN').encode())


@case("header-control-characters")
def _() -> bytes:
    p = parts()
    text = json.dumps(p.meta, sort_keys=True)
    return with_meta_text(text.replace('"steps": 60', '"steps":\x00 60').encode())


@case("counter-1e400")
def _() -> bytes:
    p = parts()
    text = json.dumps(p.meta, sort_keys=True)
    return with_meta_text(text.replace(f'"counter": {p.meta["counter"]}',
                                       '"counter": 1e400').encode())


@case("counter-10-to-the-30")
def _() -> bytes:
    return with_meta(counter=10**30)


@case("counter-5000-digits")
def _() -> bytes:
    p = parts()
    text = json.dumps(p.meta, sort_keys=True)
    return with_meta_text(text.replace(f'"counter": {p.meta["counter"]}',
                                       '"counter": ' + "9" * 5000).encode())


@case("counter-behind-the-steps")
def _() -> bytes:
    return with_meta(counter=10)


@case("counter-one-short")
def _() -> bytes:
    # Above the step count, yet short of the two draws that built the networks.
    p = parts()
    return with_meta(counter=p.meta["steps"] + 1)


@case("counter-as-float")
def _() -> bytes:
    p = parts()
    return with_meta(counter=float(p.meta["counter"]))


@case("steps-negative")
def _() -> bytes:
    return with_meta(steps=-5)


@case("steps-10-to-the-30")
def _() -> bytes:
    return with_meta(steps=10**30, counter=10**30 + 2)


@case("steps-above-the-session-cap")
def _() -> bytes:
    return with_meta(steps=1_000_001, counter=1_000_003)


@case("steps-as-string")
def _() -> bytes:
    return with_meta(steps="60")


@case("steps-as-bool")
def _() -> bytes:
    return with_meta(steps=True)


@case("adam-t-beyond-the-steps")
def _() -> bytes:
    return with_meta(g_t=10_000)


@case("adam-t-negative")
def _() -> bytes:
    return with_meta(d_t=-1)


@case("eval-every-negative")
def _() -> bytes:
    # Trainer.run would loop forever on this one.
    return with_meta(eval_every=-1)


@case("eval-every-huge")
def _() -> bytes:
    return with_meta(eval_every=10**12)


@case("eval-every-as-string")
def _() -> bytes:
    return with_meta(eval_every="50")


@case("header-field-missing")
def _() -> bytes:
    p = parts()
    del p.meta["counter"]
    return write(p)


@case("header-field-unknown")
def _() -> bytes:
    return with_meta(exec="__import__('os')")


@case("header-wrong-format")
def _() -> bytes:
    return with_meta(format="other")


@case("header-version-2")
def _() -> bytes:
    return with_meta(version=2)


@case("config-not-an-object")
def _() -> bytes:
    return with_meta(config="n_bits=7")


@case("config-out-of-range")
def _() -> bytes:
    return with_config(n_bits=99)


@case("config-unknown-field")
def _() -> bytes:
    return with_config(__class__="os.system")


@case("config-wrong-type")
def _() -> bytes:
    return with_config(n_bits="7")


@case("config-bool-as-string")
def _() -> bytes:
    return with_config(mbstd="yes")


@case("config-lr-1e400")
def _() -> bytes:
    p = parts()
    text = json.dumps(p.meta, sort_keys=True)
    return with_meta_text(text.replace('"lr_g": 0.001', '"lr_g": 1e400').encode())


@case("config-pack-against-batch")
def _() -> bytes:
    return with_config(pack=3)


@case("config-does-not-match-arrays")
def _() -> bytes:
    return with_config(d_hidden=8)


@case("diverged-markdown-link")
def _() -> bytes:
    return with_meta(diverged="training stopped [click here](http://evil.example)")


@case("diverged-html")
def _() -> bytes:
    return with_meta(diverged="<img src=x onerror=alert(1)>")


@case("diverged-multiline")
def _() -> bytes:
    return with_meta(diverged="line one\nline two")


@case("diverged-number")
def _() -> bytes:
    return with_meta(diverged=12)


@case("diverged-huge")
def _() -> bytes:
    return with_meta(diverged="a" * 100_000)


@case("diverged-long")
def _() -> bytes:
    return with_meta(diverged="training stopped " * 60)


# ---- the numbers --------------------------------------------------------------------------


@case("weights-1e300-inf-in-float32")
def _() -> bytes:
    return with_array("g", lambda a: np.full_like(a, 1e300))


@case("weights-nan")
def _() -> bytes:
    return with_array("d", lambda a: a * np.nan)


@case("moment-inf")
def _() -> bytes:
    return with_array("g_m", lambda a: np.full_like(a, np.inf))


@case("second-moment-negative")
def _() -> bytes:
    return with_array("g_v", lambda a: -np.abs(a) - 1e-3)


@case("moment-shape-broadcast")
def _() -> bytes:
    return with_array("d_m", lambda a: np.zeros(1))


@case("weights-shape-1d")
def _() -> bytes:
    return with_array("g", lambda a: a.reshape(-1))


@case("weights-shape-too-few")
def _() -> bytes:
    return with_array("g", lambda a: np.ones((1, 3)))


@case("weights-scalar")
def _() -> bytes:
    return with_array("d", lambda a: np.float64(1.0))


@case("history-inf")
def _() -> bytes:
    def change(a):
        a = a.copy()
        a[:, 1:5] = np.inf  # the losses and D's outputs
        return a
    return with_array("history", change)


@case("history-nan-loss")
def _() -> bytes:
    def change(a):
        a = a.copy()
        a[5, 1] = np.nan
        return a
    return with_array("history", change)


@case("history-steps-go-back")
def _() -> bytes:
    return with_array("history", lambda a: a[::-1].copy())


@case("history-step-beyond-checkpoint")
def _() -> bytes:
    def change(a):
        a = a.copy()
        a[-1, 0] = 61
        return a
    return with_array("history", change)


@case("history-step-fractional")
def _() -> bytes:
    def change(a):
        a = a.copy()
        a[3, 0] += 0.5
        return a
    return with_array("history", change)


@case("history-wrong-columns")
def _() -> bytes:
    return with_array("history", lambda a: a[:, :5].copy())


@case("history-over-capacity")
def _() -> bytes:
    return with_array("history", lambda a: np.repeat(a[:1], 4097, axis=0))


@case("history-3d")
def _() -> bytes:
    return with_array("history", lambda a: a[None])


@case("evals-coverage-above-one")
def _() -> bytes:
    def change(a):
        a = a.copy()
        a[:, 2] = 2.0
        return a
    return with_array("evals", change)


@case("evals-negative-entropy")
def _() -> bytes:
    def change(a):
        a = a.copy()
        a[:, 4] = -3.0
        return a
    return with_array("evals", change)


@case("timeline-nan")
def _() -> bytes:
    def change(a):
        a = a.copy()
        a[:, 1:] = np.nan
        return a
    return with_array("timeline", change)


@case("evals-fractional-distinct")
def _() -> bytes:
    def change(a):
        a = a.copy()
        a[:, 3] = 2.5
        return a
    return with_array("evals", change)


@case("weights-history-negative-singular-value")
def _() -> bytes:
    def change(a):
        a = a.copy()
        a[:, -1] = -1.0
        return a
    return with_array("weights", change)


# ---- valid but odd: these must load and train ---------------------------------------------


@case("valid-as-saved", "load")
def _() -> bytes:
    return _saved()


@case("valid-uncompressed", "load")
def _() -> bytes:
    return write(parts(), compressed=False)


@case("valid-step-0", "load")
def _() -> bytes:
    buf = io.BytesIO()
    Trainer(GANConfig(seed=5)).save(buf)
    return buf.getvalue()


@case("valid-no-timeline-at-11-bits", "load")
def _() -> bytes:
    return _saved(11, 20)


@case("valid-empty-histories", "load")
def _() -> bytes:
    p = parts()
    for name in checkpoint.LOGS:
        p.arrays[name] = p.arrays[name][:0]
    p.meta["rows"] = {name: 0 for name in checkpoint.LOGS}
    return write(p)


@case("valid-without-row-counts", "load")
def _() -> bytes:
    p = parts()  # as a file written before logs kept their row counts
    del p.meta["rows"]
    return write(p)


@case("rows-that-do-not-fit", "refuse")
def _() -> bytes:
    p = parts()
    p.meta["rows"] = {"history": 10**9}  # a log of that many rows keeps far fewer than 60
    return write(p)


@case("rows-not-whole", "refuse")
def _() -> bytes:
    p = parts()
    p.meta["rows"] = {"history": 60.5}
    return write(p)


@case("valid-huge-finite-weights", "load")
def _() -> bytes:
    # 1e30 fits float32; training from there may diverge, which the Trainer reports.
    return with_array("g", lambda a: np.full_like(a, 1e30))


@case("valid-eval-every-0", "load")
def _() -> bytes:
    return with_meta(eval_every=0)


@case("valid-diverged-note", "load")
def _() -> bytes:
    # Without its recipe (as a file from before recipes): the note alone is no contradiction.
    return with_meta(diverged="training stopped at step 61: a loss or weight became infinite "
                              "or NaN; the last finite state is kept (lower the learning rates)",
                     recipe=None)


@case("valid-frozen-network-nan-gradients", "load")
def _() -> bytes:
    def change(a):
        a = a.copy()
        a[:, 6] = np.nan
        return a
    return with_array("history", change)


@case("valid-counter-after-reinit-clicks", "load")
def _() -> bytes:
    p = parts()
    return with_meta(counter=p.meta["counter"] + 5, recipe=None)  # clicks the file can't show


@case("recipe-disagrees-with-counter", "refuse")
def _() -> bytes:
    p = parts()
    return with_meta(counter=p.meta["counter"] + 5)  # the recipe has no re-initialisation


@case("valid-config-field-missing-uses-default", "load")
def _() -> bytes:
    p = parts()
    del p.meta["config"]["decode"]
    return write(p)


@case("valid-largest-config-full-histories", "load")
def _() -> bytes:
    # Nearly the most a checkpoint can hold: the widest networks at 10 bits (the most bits
    # with a timeline) and every history full, 14.2 MB inflated. (Noise of 10 bits, not 16,
    # keeps the config's evaluation within any memory budget; the file barely changes.)
    # Zero weights keep the file under 5 MB.
    return write(_largest())


def _largest() -> Parts:
    config = GANConfig(n_bits=10, g_hidden=256, g_depth=4, d_hidden=256, d_depth=4, pack=8,
                       mbstd=True, noise_dim=10, batch_size=64)
    g, d = checkpoint.param_counts(config)
    steps = 4096
    rows = np.arange(1, steps + 1, dtype=np.float64)
    history = np.column_stack([rows, *[np.full(steps, 0.5)] * 7])
    every = np.arange(0, 1024 * 4, 4, dtype=np.float64)
    # even ratio, coverage, distinct, entropy, JS
    evals = np.column_stack([every, np.tile([0.5, 0.5, 256.0, 8.0, 0.5], (1024, 1))])
    weights = np.column_stack([every, np.full((1024, 20), 0.25)])
    timeline = np.column_stack([every[:512], np.full((512, 1024), 1 / 1024)])
    arrays = {"g": np.zeros((1, g)), "g_m": np.zeros((1, g)), "g_v": np.zeros((1, g)),
              "d": np.zeros((1, d)), "d_m": np.zeros((1, d)), "d_v": np.zeros((1, d)),
              "history": history, "evals": evals, "weights": weights, "timeline": timeline}
    meta = {"format": checkpoint.FORMAT, "version": checkpoint.VERSION,
            "config": config.to_dict(), "counter": steps + 2, "steps": steps, "g_t": steps,
            "d_t": steps, "diverged": None, "eval_every": 50}
    return Parts(meta, arrays)


@case("largest-config-with-nan-in-its-last-history")
def _() -> bytes:
    # The costliest refusal: every member but the last is read and checked first.
    p = _largest()
    p.arrays["timeline"][-1, -1] = np.nan
    return write(p)


@case("largest-config-claimed-by-a-tiny-file")
def _() -> bytes:
    p = _largest()
    p.arrays.update({name: a[:, :3] for name, a in p.arrays.items() if name in checkpoint.PARAMS})
    return write(p)


def write_all(folder: Path) -> dict[str, str]:
    """Writes every case as folder/NAME.npz; returns {name: expect}."""
    folder.mkdir(parents=True, exist_ok=True)
    manifest = {}
    for c in CASES.values():
        (folder / f"{c.name}.npz").write_bytes(c.build(folder))
        manifest[c.name] = c.expect
    return manifest


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "checkpoint-corpus")
    made = write_all(target)
    print(f"wrote {len(made)} files to {target}")
