"""The topic task of notebook 08: word-level pretraining text and labelled passages (which topic?), derived offline
from the Python manual, with a fixed pool/test split; neighbouring passage pairs for pretraining, and how well
embeddings group by topic."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from ..download import DataError
from ..params import ParameterError
from .text import WordVocab, load_python_docs, words

TOPICS: dict[str, tuple[str, ...]] = {  # the labelled task's classes: topic -> the manual's sections about it
    "statements": ("assert", "assignment", "async", "augassign", "break", "class", "compound", "continue", "del",
                   "else", "for", "function", "global", "if", "import", "nonlocal", "pass", "raise", "return",
                   "try", "while", "with", "yield"),
    "special methods": ("attribute-access", "callable-types", "context-managers", "customization", "numeric-types",
                        "sequence-types", "specialnames"),
    "built-in types": ("string-methods", "typesmapping", "typesseq", "typesseq-mutable"),
    "format strings": ("formatstrings",),
}


@dataclass
class TopicPassages:
    """Unlabelled pretraining words, and labelled passages (which topic?) with a fixed pool/test split."""

    vocab: WordVocab
    pretrain_ids: Tensor  # (N,) word ids of the first part of every section: the only text pretraining may see
    val_ids: Tensor       # (M,) word ids of the held-out tail of every section (the test passages come from it)
    X_pool: Tensor        # (P, seq_len) word ids of the passages that labelled sets are drawn from
    y_pool: Tensor        # (P,) topic index
    X_test: Tensor        # (Q, seq_len), balanced: the same number of passages per topic
    y_test: Tensor        # (Q,)
    classes: list[str]

    def __repr__(self) -> str:
        return (f"TopicPassages(pretrain={len(self.pretrain_ids):,} words, vocab={len(self.vocab):,}, "
                f"pool={len(self.y_pool)}, test={len(self.y_test)} passages of {self.X_pool.shape[1]} words, "
                f"{len(self.classes)} topics)")


def _deduplicated_sections() -> dict[str, str]:
    """The manual's sections without paragraphs already seen in an earlier section (some sections repeat others)."""
    seen: set[str] = set()
    out = {}
    for name, text in load_python_docs().items():
        kept = [p for p in text.split("\n\n") if len(p) < 40 or p not in seen]
        seen.update(kept)
        out[name] = "\n\n".join(kept)
    return out


def _chunks(ids: Tensor, length: int) -> list[Tensor]:
    return [ids[i:i + length] for i in range(0, len(ids) - length + 1, length)]


def load_topic_passages(seq_len: int = 64, min_count: int = 3, test_fraction: float = 0.25,
                        test_per_class: int = 30) -> TopicPassages:
    """Split every section's words into a first part and a held-out tail; label passages of TOPICS by topic."""
    if not 8 <= seq_len <= 256:
        raise ParameterError(f"seq_len={seq_len} must be between 8 and 256 words.")
    sections = _deduplicated_sections()
    unknown = sorted({s for group in TOPICS.values() for s in group} - set(sections))
    if unknown:
        raise DataError(f"TOPICS names sections {unknown} that this Python's manual does not have.")
    tokens = {name: words(text) for name, text in sections.items()}
    cuts = {name: round(len(t) * (1 - test_fraction)) for name, t in tokens.items()}
    vocab = WordVocab((w for name, t in tokens.items() for w in t[:cuts[name]]), min_count)
    head = {name: vocab.encode(t[:cuts[name]]) for name, t in tokens.items()}
    tail = {name: vocab.encode(t[cuts[name]:]) for name, t in tokens.items()}
    pool, test = [], []
    for label, (topic, group) in enumerate(TOPICS.items()):
        pool += [(c, label) for name in group for c in _chunks(head[name], seq_len)]
        held = [(c, label) for name in group for c in _chunks(tail[name], seq_len)]
        if len(held) < test_per_class:
            raise ParameterError(f"topic {topic!r} has only {len(held)} held-out passages of {seq_len} words; "
                                 "lower seq_len or test_per_class.")
        step = len(held) / test_per_class  # spread the balanced test set over the whole held-out text
        test += [held[int(i * step)] for i in range(test_per_class)]

    def tensors(pairs: list[tuple[Tensor, int]]) -> tuple[Tensor, Tensor]:
        return torch.stack([c for c, _ in pairs]), torch.tensor([y for _, y in pairs])

    return TopicPassages(vocab, torch.cat(list(head.values())), torch.cat(list(tail.values())),
                         *tensors(pool), *tensors(test), classes=list(TOPICS))


def sample_labelled(y_pool: Tensor, per_class: int, generator: torch.Generator) -> Tensor:
    """Indices of a labelled set with `per_class` random pool passages of every class."""
    picks = []
    for c in y_pool.unique():
        idx = (y_pool == c).nonzero().flatten()
        if per_class > len(idx):
            raise ParameterError(f"per_class={per_class} but class {int(c)} has only {len(idx)} pool passages.")
        picks.append(idx[torch.randperm(len(idx), generator=generator)[:per_class]])
    return torch.cat(picks)


def passage_pairs(ids: Tensor, length: int, stride: int) -> tuple[Tensor, Tensor]:
    """Neighbouring windows of `length` ids side by side, one pair every `stride` ids (N, 2 * length), and starts."""
    pairs = ids.unfold(0, 2 * length, stride)  # (N, 2 * length)
    return pairs, torch.arange(len(pairs)) * stride


def topic_contrast(z: Tensor, y: Tensor) -> float:
    """Mean cosine similarity of unit vectors z (N, d) with the same label y, minus that with different labels."""
    S = z @ z.T  # (N, N)
    same = (y[:, None] == y[None, :]) & ~torch.eye(len(y), dtype=torch.bool, device=y.device)
    return (S[same].mean() - S[y[:, None] != y[None, :]].mean()).item()
