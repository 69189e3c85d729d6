"""``DaskBatchResult``: a batch's results as lazy dask arrays."""

import dask

from .._batch_result import BatchResult
from .._messages import message
from ._tasks import RESULT_FIELDS

__all__ = ["DaskBatchResult"]

_FIELDS = RESULT_FIELDS


class DaskBatchResult:
    """The results of K fits as dask arrays, chunked along the fit axis
    as the inputs were; nothing runs until they are computed.

    The fields are those of :class:`pyminpack.BatchResult`: ``x`` (K, n),
    ``ier``, ``nfev``, ``njev`` (None without Dfun), ``fnorm``, ``cov_x``
    (K, n, n), ``success``, ``status``, ``at_bound`` (K, n), and with
    ``full_output`` ``fvec``, ``fjac``, ``ipvt``, ``qtf`` (else None).
    One chunk's task computes all its fields, so computing several
    together (``compute()``, or ``dask.compute(r.x, r.ier)``) runs each
    fit once.
    """

    __slots__ = ("x", "ier", "nfev", "njev", "fnorm", "cov_x", "status",
                 "fvec", "fjac", "ipvt", "qtf", "at_bound", "success",
                 "_options")

    def __init__(self, arrays, options):
        self.x = arrays["x"]
        self.ier = arrays["ier"]
        self.nfev = arrays["nfev"]
        self.njev = arrays.get("njev")
        self.fnorm = arrays["fnorm"]
        self.cov_x = arrays["cov_x"]
        self.status = arrays["status"]
        self.fvec = arrays.get("fvec")
        self.fjac = arrays.get("fjac")
        self.ipvt = arrays.get("ipvt")
        self.qtf = arrays.get("qtf")
        self.at_bound = arrays["at_bound"]
        self.success = (self.ier >= 1) & (self.ier <= 4)
        self._options = options  # ftol, xtol, gtol, maxfev for messages

    def _present(self):
        return {name: getattr(self, name) for name in _FIELDS
                if getattr(self, name) is not None}

    def compute(self, **kwargs):
        """Run the fits (on the active Dask scheduler, or as `kwargs` say,
        as for ``dask.compute``) and return a :class:`pyminpack.BatchResult`.
        """
        present = self._present()
        computed = dict(zip(present, dask.compute(*present.values(),
                                                  **kwargs)))
        return BatchResult(**{name: computed.get(name) for name in _FIELDS},
                           options=self._options)

    def persist(self, **kwargs):
        """The same results with every field persisted (``dask.persist``)."""
        present = self._present()
        persisted = dict(zip(present, dask.persist(*present.values(),
                                                   **kwargs)))
        return DaskBatchResult(persisted, self._options)

    def message(self, k):
        """Fit k's message; computes that fit's chunk."""
        k = range(len(self))[k]  # an int index, negative allowed
        ier, status = dask.compute(self.ier[k], self.status[k])
        return message(int(ier), status=int(status), **self._options)

    def __len__(self):
        return self.ier.shape[0]

    def __repr__(self):
        return (f"<DaskBatchResult: {len(self)} fits of {self.x.shape[1]} "
                f"parameters in {self.x.numblocks[0]} chunks, lazy>")
