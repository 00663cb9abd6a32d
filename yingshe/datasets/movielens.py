"""MovieLens 100K (GroupLens; Harper & Konstan 2015, "The MovieLens Datasets: History and
Context", ACM TiiS 5(4)): 100,000 ratings 1-5 by 943 users of 1,682 movies (1997-98), each
user with at least 20 ratings, the users' age, gender and occupation, the movies' titles and
19 genre flags, and the official splits: u1 .. u5 (five disjoint 20,000-rating test sets, for
5-fold cross-validation) and ua / ub (exactly 10 test ratings per user).

The files are read from ``root/ml-100k/`` (``$YINGSHE_DATA`` by default), each checked against
the SHA-256 of the original file (of its decompressed content when stored as ``.gz``);
``download=True`` fetches GroupLens's ``ml-100k.zip`` (MD5 checked) and extracts it there.
GroupLens allows research use and forbids redistribution: the project never ships the data.

Ids: the files number users and items from 1; the arrays here from 0 (user u is row u - 1)."""
import io
import zipfile
from pathlib import Path

import numpy as np

from .utils import DatasetIntegrityError, default_root, download_url, read_checked

__all__ = ["MovieLens100K", "Ratings", "LeaveOneOut", "leave_one_out", "FOLDS", "NUM_USERS",
           "NUM_ITEMS", "RATING_RANGE"]

NUM_USERS, NUM_ITEMS, RATING_RANGE = 943, 1682, (1, 5)
FOLDS = ("u1", "u2", "u3", "u4", "u5", "ua", "ub")
# file -> (bytes, SHA-256) of the original, uncompressed file (shared/data/README.md)
FILES = {
    "u.data": (1979173, "06416e597f82b7342361e41163890c81036900f418ad91315590814211dca490"),
    "u.item": (236344, "553841ebc7de3a0fd0d6b62a204ea30c1e651aacfb2814c7a6584ac52f2c5701"),
    "u.user": (22628, "f120e114da2e8cf314fd28f99417c94ae9ddf1cb6db8ce0e4b5995d40e90e62c"),
    "u.genre": (202, "9757e0d3e6b298159a80dd48eaf938114690e911e39af97a76949ef1663610bb"),
    "u.occupation": (193, "cd5fbec9afe345d993a62fc7817df1a4a9079c4feb267b3118763b8fd942137d"),
    "u1.base": (1586544, "ce253ec86c448b44fb3ba9a30d12dcfc2e9210cbde71efada3730c22e9ac212a"),
    "u1.test": (392629, "18c6014a4b2c7324f250a63f8904a7b16b2b19f911129e346141507b0cbac950"),
    "u2.base": (1583948, "6c06f0b5df4b256da1a994f3ac66edc8da4d3f09bc9282df6b14d893366d703e"),
    "u2.test": (395225, "4de658d1e04ed9104629509a2e2528fce833ac8e048280183f1df167632038c3"),
    "u3.base": (1582546, "afdc155c291c6edc41c0407e39d7462eb98d341e064f0b0a12175b80b3c4af5d"),
    "u3.test": (396627, "0f548b51c78327de4c156461d3e430b7e5579fe2b5681586a59416e48fd35f6d"),
    "u4.base": (1581878, "219f0f4d40dfe9c5141d425f53fa91ee23ed275f14e280bbf1b50117afb064ca"),
    "u4.test": (397295, "7c02ad0a1e7ab1083c8b9d4b627203a051dd7b5eab46d99fa44de33470de8db9"),
    "u5.base": (1581776, "a9574e59ce961eec2121627760b6e9b0974ce1637b3fe69ac32cb14a4bfab485"),
    "u5.test": (397397, "351cc52e0d15b6c721466276fc24671d40936899e3d01fadeaf312915b8c5634"),
    "ua.base": (1792501, "67b5bcdb380c29f85d56a012ecd88612ae020f30a6730d117a334ee8203b91f2"),
    "ua.test": (186672, "d0497e202417720f57a184ec8c66be2d1afa4ff41bb53787c57b28d6bf79bc42"),
    "ub.base": (1792476, "237254d253b6ad7de84f919d041055428646254f34ed8f562703c899430cd881"),
    "ub.test": (186697, "d54a72d05730d5892062734b2bec73e976f9b713d18c828a18b968d6cce442da"),
}


class Ratings:
    """Rating records as parallel arrays: ``users`` and ``items`` (int64, from 0), ``ratings``
    (float32) and ``timestamps`` (int64, Unix seconds), in file order."""

    def __init__(self, users, items, ratings, timestamps):
        self.users, self.items = np.asarray(users, np.int64), np.asarray(items, np.int64)
        self.ratings = np.asarray(ratings, np.float32)
        self.timestamps = np.asarray(timestamps, np.int64)

    def __len__(self):
        return len(self.users)

    def check(self, num_users, num_items, rating_range=None, source="ratings"):
        """A ValueError naming the first record whose user or item id is outside
        [0, num_users) / [0, num_items), or whose rating is outside ``rating_range`` (low,
        high) when given; returns self.  Ids are reported as the files number them (from 1)."""
        for name, ids, count in (("user", self.users, num_users), ("item", self.items, num_items)):
            wrong = np.flatnonzero((ids < 0) | (ids >= count))
            if len(wrong):
                k = wrong[0]
                raise ValueError(f"{source}: record {k} has {name} id {ids[k] + 1}, but the "
                                 f"{name}s are numbered 1-{count} ({len(wrong)} such records)")
        if rating_range is not None:
            low, high = rating_range
            wrong = np.flatnonzero(~((self.ratings >= low) & (self.ratings <= high)))
            if len(wrong):
                k = wrong[0]
                raise ValueError(f"{source}: record {k} (user {self.users[k] + 1}, item "
                                 f"{self.items[k] + 1}) has rating {self.ratings[k]:g}, outside "
                                 f"the scale {low}-{high} ({len(wrong)} such records)")
        return self

    def subset(self, chosen):
        """The records at ``chosen`` (indices or a boolean mask)."""
        return Ratings(self.users[chosen], self.items[chosen], self.ratings[chosen],
                       self.timestamps[chosen])

    def __repr__(self):
        return (f"Ratings({len(self)} ratings, {len(np.unique(self.users))} users, "
                f"{len(np.unique(self.items))} items)")


class MovieLens100K:
    """The ratings of one official split file, as a dataset of (user, item, rating) triples,
    with the users' and movies' features.

    ``fold`` is one of ``FOLDS`` (``train`` picks ``<fold>.base``, else ``<fold>.test``) or
    None for all 100,000 ratings (``u.data``).  Attributes: ``ratings`` (a ``Ratings``),
    ``titles`` (1,682 strings), ``release_dates``, ``genres`` (uint8 (1682, 19) flags) and
    ``genre_names``, ``ages`` (int64), ``genders`` ('M'/'F'), ``occupations`` (int64 index
    into ``occupation_names``), ``zip_codes``.

    Each item: ``(user, item, rating)``, ``int`` indices from 0 and a ``float`` rating 1-5.

    Examples:
        >>> from yingshe.datasets import MovieLens100K
        >>> test = MovieLens100K(fold="u1", train=False)    # from $YINGSHE_DATA  # doctest: +SKIP
        >>> test                                                                  # doctest: +SKIP
        MovieLens100K(u1.test: Ratings(20000 ratings, 459 users, 1410 items))
        >>> user, item, rating = test[0]                                          # doctest: +SKIP
        >>> user, item, rating, test.titles[item]                                 # doctest: +SKIP
        (0, 5, 5.0, 'Shanghai Triad (Yao a yao yao dao waipo qiao) (1995)')
    """
    folder = "ml-100k"
    url = "https://files.grouplens.org/datasets/movielens/"
    filename = "ml-100k.zip"
    zip_md5 = "0e33842e24a9c977be4e0107933c0723"
    num_users, num_items, rating_range = NUM_USERS, NUM_ITEMS, RATING_RANGE

    def __init__(self, root=None, fold="u1", train=True, download=False):
        if fold is not None and fold not in FOLDS:
            raise ValueError(f"MovieLens100K: fold must be one of {', '.join(FOLDS)} or None "
                             f"(all ratings), got {fold!r}")
        self.root = Path(root).expanduser() if root is not None else default_root()
        self.fold, self.train = fold, train
        if download:
            self.download()
        self.file = "u.data" if fold is None else f"{fold}.{'base' if train else 'test'}"
        self.ratings = self.read_ratings(self.file)
        self._read_items()
        self._read_users()

    @property
    def path(self):
        """The folder holding the ml-100k files."""
        return self.root / self.folder

    # ---- files ---------------------------------------------------------------------------
    def read_bytes(self, name):
        """The checked content of the file ``name``: ``name`` itself, or ``name.gz``
        decompressed."""
        size, sha256 = FILES[name]
        hint = (f"put MovieLens 100K in {self.path} (GroupLens's {self.filename} extracted, "
                f"the split files may be gzipped) or download it with download=True "
                f"(`yingshe train mf --download`)")
        plain, packed = self.path / name, self.path / f"{name}.gz"
        if not plain.is_file() and packed.is_file():
            return read_checked(packed, sha256=sha256, gunzip=True, hint=hint)
        return read_checked(plain, sha256=sha256, size=size, hint=hint)

    def read_ratings(self, name):
        """The ``Ratings`` of a ratings file (``u.data`` or a split file)."""
        table = np.loadtxt(io.BytesIO(self.read_bytes(name)), dtype=np.int64, ndmin=2)
        if table.shape[1] != 4:
            raise DatasetIntegrityError(f"{self.path / name}: expected 4 tab-separated columns "
                                        f"(user item rating timestamp), got {table.shape[1]}")
        return Ratings(table[:, 0] - 1, table[:, 1] - 1, table[:, 2], table[:, 3])

    def _lines(self, name):
        return self.read_bytes(name).decode("latin-1").rstrip("\n").split("\n")

    def _read_items(self):
        self.genre_names = [line.split("|")[0] for line in self._lines("u.genre") if line]
        fields = [line.split("|") for line in self._lines("u.item")]
        self.titles = [row[1] for row in fields]
        self.release_dates = [row[2] for row in fields]
        self.genres = np.array([row[5:] for row in fields], np.uint8)

    def _read_users(self):
        self.occupation_names = self._lines("u.occupation")
        index = {name: k for k, name in enumerate(self.occupation_names)}
        fields = [line.split("|") for line in self._lines("u.user")]
        self.ages = np.array([int(row[1]) for row in fields], np.int64)
        self.genders = [row[2] for row in fields]
        self.occupations = np.array([index[row[3]] for row in fields], np.int64)
        self.zip_codes = [row[4] for row in fields]

    def user_attributes(self):
        """(attributes, names): each user's three attributes as int64 indices into ``names``
        (an int64 (943, 3) array): gender, age band (MovieLens 1M's bands: under 18, 18-24,
        25-34, 35-44, 45-49, 50-55, 56 and over) and occupation; 30 attributes in all.  The
        set A(u) of Koren, Bell & Volinsky (2009, eq. 6)."""
        genders = ("F", "M")
        bands = [(0, "under 18"), (18, "18-24"), (25, "25-34"), (35, "35-44"), (45, "45-49"),
                 (50, "50-55"), (56, "56+")]
        names = [f"gender {g}" for g in genders] + [f"age {label}" for _, label in bands] + \
            [f"occupation {name}" for name in self.occupation_names]
        band = np.searchsorted([low for low, _ in bands], self.ages, side="right") - 1
        attributes = np.stack([np.array([genders.index(g) for g in self.genders]),
                               len(genders) + band,
                               len(genders) + len(bands) + self.occupations], axis=1)
        return attributes.astype(np.int64), names

    def download(self):
        """Fetch ``ml-100k.zip`` from GroupLens (MD5 checked) and extract its files into
        ``root/ml-100k`` unless they are all there already."""
        if all((self.path / name).is_file() or (self.path / f"{name}.gz").is_file()
               for name in FILES):
            return
        archive = download_url([self.url], self.filename, self.root, self.zip_md5)
        with zipfile.ZipFile(archive) as opened:
            self.path.mkdir(parents=True, exist_ok=True)
            for name in FILES:  # known names only: nothing is written outside the folder
                (self.path / name).write_bytes(opened.read(f"{self.folder}/{name}"))

    # ---- dataset -------------------------------------------------------------------------
    def __len__(self):
        return len(self.ratings)

    def __getitem__(self, index):
        return (int(self.ratings.users[index]), int(self.ratings.items[index]),
                float(self.ratings.ratings[index]))

    def __repr__(self):
        return f"MovieLens100K({self.file}: {self.ratings!r})"


class LeaveOneOut:
    """The implicit-feedback view of He et al. (2017), "Neural Collaborative Filtering", §4.1:
    every rating is an interaction; each user's latest one is held out for testing, ranked
    against ``negatives`` items the user never rated.

    ``train`` (a ``Ratings`` of the other interactions), ``test_items`` (int64 (users,)),
    ``test_negatives`` (int64 (users, negatives)) and ``rated`` (a boolean (users, items)
    matrix of every interaction, test included: the items no negative may be)."""

    def __init__(self, train, test_items, test_negatives, rated):
        self.train, self.test_items, self.test_negatives = train, test_items, test_negatives
        self.rated = rated


def leave_one_out(ratings, num_negatives=99, seed=0, num_users=NUM_USERS, num_items=NUM_ITEMS):
    """Split ``ratings`` (all of a user's interactions) as He et al. (2017) evaluate: the latest
    interaction of each user (largest timestamp; among equal timestamps the last in file
    order) is the test item, and ``num_negatives`` items the user never rated are drawn
    uniformly without replacement (seeded) to rank it against.  A user without interactions,
    or with too few unrated items, raises ValueError."""
    users, counts = ratings.users, np.bincount(ratings.users, minlength=num_users)
    if (counts == 0).any():
        missing = np.flatnonzero(counts == 0)
        raise ValueError(f"leave_one_out: {len(missing)} users have no interactions (first: "
                         f"user {missing[0] + 1}); every user needs one to hold out")
    order = np.lexsort((np.arange(len(users)), ratings.timestamps, users))
    latest = order[np.cumsum(counts) - 1]  # the last record of each user in (time, file) order
    held_out = np.zeros(len(users), bool)
    held_out[latest] = True
    rated = np.zeros((num_users, num_items), bool)
    rated[users, ratings.items] = True
    unrated = num_items - rated.sum(axis=1)
    if (unrated < num_negatives).any():
        user = int(np.argmin(unrated))
        raise ValueError(f"leave_one_out: user {user + 1} left only {unrated[user]} unrated "
                         f"items, fewer than {num_negatives} negatives")
    rng = np.random.default_rng(seed)
    negatives = np.stack([rng.choice(np.flatnonzero(~rated[u]), num_negatives, replace=False)
                          for u in range(num_users)])
    return LeaveOneOut(ratings.subset(~held_out), ratings.items[latest], negatives, rated)

