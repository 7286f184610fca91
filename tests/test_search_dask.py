"""The search on a real Dask cluster (two worker processes on this machine) gives exactly the numbers of
the local-process run with the same seed: one code path (put/submit/gather), pure tasks."""

import numpy as np
import pytest

pytest.importorskip("dask.distributed")

from dask.distributed import Client, LocalCluster  # noqa: E402

from hackgrad.data import load_iris  # noqa: E402
from hackgrad.estimators import SoftmaxClassifier  # noqa: E402
from hackgrad.search import (  # noqa: E402
    DaskBackend,
    HalvingRandomSearch,
    ProcessBackend,
    SearchSpace,
    cross_validate,
)

SPACE = SearchSpace(depth=(1, 2), widths=(8, 16), batch_sizes=(16, 32), learning_rate=(3e-3, 3e-2))


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(
        n_workers=2, threads_per_worker=1, host="127.0.0.1", processes=True, dashboard_address=None
    ) as cluster:
        yield cluster


def numbers(search):
    return [
        (r["id"], r["rung"], r["epochs"], r["folds"], r["score"], r["std"], r["log_loss"])
        for r in search.leaderboard_.to_list()
    ]


def test_dask_search_equals_local_process_search(cluster):
    X, y = load_iris()
    kw = dict(space=SPACE, n_configs=6, folds=3, min_epochs=3, top_k=2, seed=5, quiet=True)
    with ProcessBackend(2) as backend:
        local = HalvingRandomSearch(backend=backend, **kw).fit(X, y)
    with Client(cluster) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        remote = HalvingRandomSearch(scheduler=client, **kw).fit(X, y)
        # the client passed in belongs to the caller: the search must leave it open
        assert client.status == "running"
    assert numbers(local) == numbers(remote)
    assert local.best_params_ == remote.best_params_
    np.testing.assert_array_equal(local.predict_proba(X), remote.predict_proba(X))


def test_dask_by_scheduler_address_and_cross_validate(cluster):
    X, y = load_iris()
    est = SoftmaxClassifier(max_iter=15, random_state=0)
    here = cross_validate(est, X, y, folds=3, workers=1)
    there = cross_validate(est, X, y, folds=3, scheduler=cluster.scheduler_address)
    np.testing.assert_array_equal(here["scores"], there["scores"])
    assert here["log_losses"] == there["log_losses"]


def test_unreachable_scheduler_is_a_clear_error():
    with pytest.raises(ConnectionError, match="could not reach the Dask scheduler at 'tcp://127.0.0.1:1'"):
        DaskBackend("tcp://127.0.0.1:1", timeout="1s")
