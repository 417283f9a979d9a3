"""Mini-batches of in-memory tensors: a lighter, faster DataLoader (epochs) and random batches (a step budget)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import torch
from torch import Tensor

Batch = Sequence[Tensor]


class TensorLoader:
    """Mini-batches of in-memory tensors: a lighter, faster DataLoader for small datasets."""

    def __init__(self, *tensors: Tensor, batch_size: int = 64, shuffle: bool = False,
                 transform: Callable[[Tensor], Tensor] | None = None, drop_last: bool = False) -> None:
        if not tensors or any(len(t) != len(tensors[0]) for t in tensors):
            raise ValueError("TensorLoader needs one or more tensors with the same first dimension.")
        self.tensors, self.batch_size, self.shuffle = tensors, batch_size, shuffle
        self.transform, self.drop_last = transform, drop_last

    def __len__(self) -> int:
        n = len(self.tensors[0])
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self) -> Iterator[tuple[Tensor, ...]]:
        n = len(self.tensors[0])
        order = torch.randperm(n) if self.shuffle else torch.arange(n)
        for i in range(len(self)):
            idx = order[i * self.batch_size:(i + 1) * self.batch_size]
            batch = [t[idx] for t in self.tensors]
            if self.transform is not None:
                batch[0] = self.transform(batch[0])
            yield tuple(batch)


def to_device(batch: Batch, device: torch.device | str) -> tuple[Tensor, ...]:
    """Move every tensor of a batch to `device`."""
    return tuple(t.to(device) for t in batch)



class RandomBatches:
    """`num_batches` mini-batches drawn at random (with replacement between batches): a short 'epoch'."""

    def __init__(self, *tensors: Tensor, batch_size: int, num_batches: int, seed: int = 0) -> None:
        self.tensors, self.batch_size, self.num_batches = tensors, batch_size, num_batches
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        return self.num_batches

    def __iter__(self) -> Iterator[tuple[Tensor, ...]]:
        for _ in range(self.num_batches):
            idx = torch.randint(0, len(self.tensors[0]), (self.batch_size,), generator=self.generator)
            yield tuple(t[idx] for t in self.tensors)
