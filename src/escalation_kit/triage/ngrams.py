"""Hashed character n-grams of ticket text, computed with numpy over whole batches.

Character n-grams carry meaning across languages, inflections and typos ("Postfach",
"Postfächer", "postfah"). Each n-gram is hashed into one of ``2**bits`` buckets, so there is no
vocabulary to ship: the learned model is a weight table indexed by bucket. The same function
feeds training (a sparse matrix) and triage (a weight lookup), so both see identical features.

Texts are lower-cased, whitespace-collapsed, padded with a space on each side and cut to
``WIDTH`` characters; n-grams of sizes :data:`SIZES` are hashed from their Unicode code points.
A row's n-gram weights are divided by the square root of its n-gram count (a length norm).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

__all__ = ["BITS", "SIZES", "WIDTH", "hashed_matrix", "hashed_scores", "prepare_texts"]

BITS = 18
SIZES = (3, 4, 5)
WIDTH = 400
_CHUNK = 4096
# Odd 32-bit multipliers, one per position in an n-gram, and a salt per n-gram size (fixed:
# they define the feature space, so changing them invalidates every trained model).
_MULTIPLIERS = np.array(
    [0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D, 0x27D4EB2F, 0x165667B1], dtype=np.uint32
)
_SALT = {3: np.uint32(0x7FEB352D), 4: np.uint32(0x846CA68B), 5: np.uint32(0x2C1B3C6D)}
_MIX = np.uint32(0x9E3779B1)


def prepare_texts(text: pa.ChunkedArray | pa.Array) -> list[str]:
    """Lower-cased, whitespace-collapsed texts with a space on each side, cut to WIDTH."""
    lowered = pc.utf8_lower(text)
    collapsed = pc.replace_substring(pc.replace_substring(lowered, "\n", " "), "\r", "")
    trimmed = pc.utf8_slice_codeunits(collapsed, 0, WIDTH - 2)
    return [f" {t} " for t in trimmed.to_pylist()]


def _codes(texts: list[str]) -> np.ndarray:
    """(n, width) uint32 code points, 0 after the end of each text (width: the longest)."""
    width = max(max((len(t) for t in texts), default=0), max(SIZES))
    joined = "".join([t.ljust(width, "\0") for t in texts])
    flat = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    return flat.reshape(len(texts), width)


def _buckets(codes: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Bucket of every n-gram position (n, positions) and which positions are real n-grams.

    An n-gram's hash is the sum of its code points times per-position multipliers (mod 2**32),
    built incrementally from the (n-1)-gram's, then salted by size and mixed.
    """
    columns, valid = [], []
    shift = np.uint32(32 - bits)
    width = codes.shape[1]
    with np.errstate(over="ignore"):
        running = codes[:, : width - 1] * _MULTIPLIERS[0]
        for i in range(1, max(SIZES)):
            span = width - i
            running = running[:, :span] + codes[:, i : i + span] * _MULTIPLIERS[i]
            size = i + 1
            if size in SIZES:
                mixed = (running ^ _SALT[size]) * _MIX
                mixed ^= mixed >> np.uint32(15)
                columns.append(mixed * _MIX >> shift)
                valid.append(codes[:, size - 1 :] != 0)
    return np.hstack(columns).astype(np.intp), np.hstack(valid)


def _chunks(texts: list[str]) -> Iterator[tuple[int, list[str]]]:
    for start in range(0, len(texts), _CHUNK):
        yield start, texts[start : start + _CHUNK]


def hashed_scores(texts: list[str], weights: np.ndarray) -> np.ndarray:
    """Per-text sum of ``weights[bucket]`` over its n-grams, length-normed: (n, classes).

    ``weights`` is (2**bits, classes); it is read one class at a time from a contiguous copy,
    which is several times faster than gathering whole rows.
    """
    bits = int(np.log2(weights.shape[0]))
    by_class = np.ascontiguousarray(weights.T, dtype=np.float32)
    out = np.zeros((len(texts), weights.shape[1]), dtype=np.float64)
    for start, chunk in _chunks(texts):
        buckets, valid = _buckets(_codes(chunk), bits)
        counts = valid.sum(axis=1)
        flat = buckets[valid]
        nonempty = counts > 0
        starts = (np.cumsum(counts) - counts)[nonempty]
        norm = np.sqrt(np.maximum(counts, 1))[nonempty]
        block = out[start : start + len(chunk)]
        if nonempty.any():
            for k in range(by_class.shape[0]):
                sums = np.add.reduceat(np.take(by_class[k], flat), starts)
                block[nonempty, k] = sums / norm
    return out


def hashed_matrix(texts: list[str], bits: int = BITS) -> csr_matrix:
    """The same features as a sparse matrix (n, 2**bits), for training."""
    from scipy.sparse import csr_matrix, vstack  # heavy optional package, training only

    blocks = []
    for _, chunk in _chunks(texts):
        buckets, valid = _buckets(_codes(chunk), bits)
        counts = valid.sum(axis=1)
        values = np.repeat(1.0 / np.sqrt(np.maximum(counts, 1)), counts)
        indptr = np.concatenate([[0], np.cumsum(counts)])
        block = csr_matrix((values, buckets[valid], indptr), shape=(len(chunk), 2**bits))
        block.sum_duplicates()
        blocks.append(block)
    return vstack(blocks).tocsr() if blocks else csr_matrix((0, 2**bits))
