"""Recipes: for each family of models the ``yingshe`` command trains, the functions that turn a
config dict (plain options, as config.json stores them) into a complete run folder, continue a
run from it, and use what it holds.  They take keyword arguments and dicts, never a command
line, so they serve Python code and the command line alike.

    from yingshe.training.recipes import classification
    config = classification.complete_config("lenet5", epochs=3)
    metrics = classification.train("runs/lenet5", config)
"""
from . import classification, detection, generative, recommender, sequence, word_vectors

__all__ = ["classification", "detection", "generative", "recommender", "sequence",
           "word_vectors"]
