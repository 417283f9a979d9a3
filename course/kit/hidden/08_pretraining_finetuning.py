# ruff: noqa: F821  (the names come from the student's kernel, where these functions run)
"""Hidden checks of 08_pretraining_finetuning's exercises (graded outside the student's kernel; see
course/kit/grade.py)."""

FORBIDDEN = ("sklearn.feature_extraction.text.TfidfTransformer", "sklearn.feature_extraction.text.TfidfVectorizer")


def exercise_1():
    """Another rate, vocabulary and shape: the shares of each corruption, the targets, and the generator's use."""
    X = torch.randint(7, (300, 400), generator=torch.Generator().manual_seed(20261208))
    X_masked, targets = mask_tokens(X, 7, 7, 0.3, torch.Generator().manual_seed(5))
    again = mask_tokens(X, 7, 7, 0.3, torch.Generator().manual_seed(5))
    chosen = targets != -100
    share = lambda hit: hit.float().mean().item()  # noqa: E731
    return [list(X_masked.shape) == list(targets.shape) == [300, 400], abs(share(chosen) - 0.3) < 0.01,
            bool((targets[chosen] == X[chosen]).all()), bool((X_masked[~chosen] == X[~chosen]).all()),
            abs(share(X_masked[chosen] == 7) - 0.8) < 0.02,
            abs(share(X_masked[chosen] == X[chosen]) - (0.1 + 0.1 / 7)) < 0.02,  # kept, or replaced by itself
            bool(((X_masked >= 0) & (X_masked <= 7)).all()),
            bool(torch.equal(X_masked, again[0]) and torch.equal(targets, again[1]))]


def exercise_2():
    """The count, recounted from the model the student built, and which parts would train."""
    return [int(num_trainable), sum(p.numel() for p in frozen.parameters() if p.requires_grad),
            not any(p.requires_grad for p in frozen.body.parameters()),
            all(p.requires_grad for p in frozen.head.parameters())]


def exercise_3():
    """A fresh small body and a head with set weights, on inputs of two lengths: the last position, not the mean."""
    torch.manual_seed(20261208)
    clf = LastTokenClassifier(Body(50, 16, 2, 1, 12), 3).eval()
    generator = torch.Generator().manual_seed(3)
    with torch.no_grad():
        for p in clf.head.parameters():
            p.copy_(torch.randn(p.shape, generator=generator))
        X = torch.randint(50, (5, 12), generator=generator)
        return [clf(X), clf(X[:, :7])]


def exercise_4():
    """Other counts and another corpus, with words that no passage of the corpus contains."""
    generator = torch.Generator().manual_seed(20261208)
    corpus = torch.randint(0, 3, (40, 25), generator=generator).float()
    corpus = corpus * (torch.rand(40, 25, generator=generator) < 0.4)
    counts = torch.randint(0, 4, (6, 25), generator=generator).float()
    return torch.as_tensor(tfidf(counts, corpus), dtype=torch.float64)


def exercise_5():
    """The prediction: next-word targets of a passage of 100 words, and masked-word targets (about 15)."""
    return [int(predicted_next), abs(float(predicted_masked) - 15) <= 1]


def exercise_6():
    """The prediction: the next-passage loss of 16 pairs as the temperature grows, log 16."""
    import math

    return abs(float(predicted_loss) - math.log(16)) < 0.01


def exercise_7():
    """The prediction: the head's largest first-step move over the body's, about 10 (Adam's step is about lr)."""
    return abs(float(predicted_ratio) - 10) < 0.5
