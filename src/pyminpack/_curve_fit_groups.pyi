"""Types of ``pyminpack.curve_fit_groups`` (the implementation is
``_curve_fit_groups.py``)."""

from typing import TYPE_CHECKING, Any, Callable, Hashable, Literal, Sequence, overload

from numpy.typing import ArrayLike

from ._batch_result import BatchResult

if TYPE_CHECKING:
    import pandas

__all__ = ["curve_fit_groups"]

# pandas is an optional extra: its types are named as strings only.

@overload
def curve_fit_groups(
    f: Callable[..., ArrayLike],
    data: "pandas.DataFrame",
    x: Hashable | list[Hashable],
    y: Hashable,
    by: Hashable | list[Hashable],
    *,
    p0: ArrayLike | "pandas.DataFrame" | Callable[[Any, Any], ArrayLike] | None = None,
    sigma: Hashable | None = None,
    absolute_sigma: bool = False,
    bounds: Any = None,
    jac: Callable[..., ArrayLike] | None = None,
    nan_policy: Literal["raise", "omit"] | None = None,
    param_names: Sequence[str] | None = None,
    p0_vectorized: bool = False,
    sort: bool = True,
    vectorized: bool = True,
    full_output: Literal[False] = False,
    progress: bool | Callable[[int, int], object] = False,
    **kwargs: Any,
) -> "pandas.DataFrame": ...
@overload
def curve_fit_groups(
    f: Callable[..., ArrayLike],
    data: "pandas.DataFrame",
    x: Hashable | list[Hashable],
    y: Hashable,
    by: Hashable | list[Hashable],
    *,
    p0: ArrayLike | "pandas.DataFrame" | Callable[[Any, Any], ArrayLike] | None = None,
    sigma: Hashable | None = None,
    absolute_sigma: bool = False,
    bounds: Any = None,
    jac: Callable[..., ArrayLike] | None = None,
    nan_policy: Literal["raise", "omit"] | None = None,
    param_names: Sequence[str] | None = None,
    p0_vectorized: bool = False,
    sort: bool = True,
    vectorized: bool = True,
    full_output: Literal[True],
    progress: bool | Callable[[int, int], object] = False,
    **kwargs: Any,
) -> tuple["pandas.DataFrame", "pandas.DataFrame", BatchResult]: ...
