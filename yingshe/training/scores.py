"""Scores of generated images measured with a trained classifier: the Inception Score
(Salimans et al. 2016) and the Fréchet distance between feature Gaussians (FID; Heusel et al.
2017), here with a LeNet-5 trained on the images' dataset instead of Inception-v3."""
import numpy as np

from ..autograd import no_grad
from ..ops.creation import from_numpy

__all__ = ["classifier_inception_score", "frechet_distance", "lenet_features",
           "classifier_scores"]


def _numpy(x):
    return x.detach().numpy() if hasattr(x, "detach") else np.asarray(x)


def classifier_inception_score(probabilities, eps=1e-12):
    """Inception Score with a classifier of our own (Salimans et al. 2016):
    IS = exp(E_x KL(p(y|x) || p(y))), p(y) = E_x p(y|x); from 1 (every image gets the same
    prediction) up to the number of classes (confident and evenly spread predictions)."""
    p = _numpy(probabilities).astype(np.float64)
    marginal = p.mean(axis=0, keepdims=True)
    kl = (p * (np.log(p + eps) - np.log(marginal + eps))).sum(axis=1)
    return float(np.exp(kl.mean()))


def _sqrtm_psd(matrix):
    """Square root of a symmetric positive semi-definite matrix by eigen-decomposition
    (negative round-off eigenvalues clipped to 0)."""
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    return (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T


def frechet_distance(features_a, features_b):
    """Fréchet distance between Gaussians fitted to two feature sets (FID, Heusel et al. 2017):
    ||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^{1/2}), with
    Tr (S_a S_b)^{1/2} = Tr (S_a^{1/2} S_b S_a^{1/2})^{1/2}, a symmetric PSD matrix whose square
    root NumPy's ``eigh`` gives."""
    a, b = _numpy(features_a).astype(np.float64), _numpy(features_b).astype(np.float64)
    mu_a, mu_b = a.mean(axis=0), b.mean(axis=0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root_a = _sqrtm_psd(cov_a)
    cross = _sqrtm_psd(root_a @ cov_b @ root_a)
    distance = ((mu_a - mu_b) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b) - 2 * np.trace(cross)
    return float(max(distance, 0.0))


def lenet_features(model, images, mean=0.0, std=1.0, batch_size=500):
    """(penultimate-layer features, class probabilities) of a trained ``LeNet5`` for images
    with pixels in [0, 1], standardised as (x - mean) / std like its training data.  The
    features are the input of ``classifier``'s last Linear layer (84 values for LeNet-5)."""
    images = _numpy(images).astype(np.float32)
    body, head = model.classifier[:-1], model.classifier[-1]
    model.eval()
    features, probabilities = [], []
    with no_grad():
        for start in range(0, len(images), batch_size):
            x = from_numpy((images[start:start + batch_size] - np.float32(mean))
                           / np.float32(std))
            h = body(model.features(x))
            features.append(h.numpy())
            probabilities.append(head(h).softmax(dim=1).numpy())
    return np.concatenate(features), np.concatenate(probabilities)


def classifier_scores(classifier, data_info, images, reference, batch_size=500):
    """(IS, FD) measured with a trained LeNet-5 whose run recorded ``data_info``: the Inception
    Score exp(E_x KL(p(y|x) || p(y))) of ``images`` with the classifier's p(y|x), and the
    Fréchet distance ||mu - mu_r||^2 + Tr(S + S_r - 2 (S S_r)^{1/2}) between Gaussians fitted
    to the penultimate features of ``images`` and of ``reference``.  Pixels in [0, 1],
    standardised with the classifier's training mean and std."""
    mean, std = data_info["mean"], data_info["std"]
    features, probabilities = lenet_features(classifier, images, mean, std, batch_size)
    reference_features, _ = lenet_features(classifier, reference, mean, std, batch_size)
    return (classifier_inception_score(probabilities),
            frechet_distance(features, reference_features))
