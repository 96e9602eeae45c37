"""Gradient checking: compare analytic gradients with numerical ones.

The first four functions keep the CS231n 2017 names, signatures and printing:

- ``rel_error(x, y)``: the relative error the notebooks print.
- ``eval_numerical_gradient(f, x)``: centered differences of a scalar function f(x).
- ``eval_numerical_gradient_array(f, x, df)``: the same for an array-valued f, contracted
  with the upstream gradient df (what a layer's backward pass computes).
- ``grad_check_sparse(f, x, analytic_grad)``: a few random coordinates only.

Like in CS231n they perturb ``x`` IN PLACE (so ``f`` may ignore its argument and read a
model's parameter array through a closure, e.g. ``f = lambda W: net.loss(X, y)[0]`` with
``x = net.params['W1']``). Every perturbed element is restored right after use, also when
``f`` raises, and ``x`` is bit-identical afterwards.

On top of these:

- ``complex_step_gradient(f, x)``: derivative by the complex step Im f(x + i*h*e_k) / h,
  exact to machine precision for real-analytic f (no subtractive cancellation).
- ``check_layer``, ``check_loss``, ``check_model``: check every gradient of a
  forward/backward pair, a loss function or a model in float64 copies and return a
  ``GradCheckReport`` (a table; ``report.assert_ok(tol)`` fails naming the bad arrays).

The relative error of two arrays a (analytic) and n (numeric) is the maximum over
elements of |a - n| / max(1e-8, |a| + |n|); ``worst_index`` is where it is reached.
"""

import copy
import functools
import numbers
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

# ---------------------------------------------------------------------------------------
# Constants
# ---------------------------------------------------------------------------------------
REL_ERROR_FLOOR = 1e-8  # denominator floor of the relative error: no 0/0 when both are 0
DEFAULT_TOL = 1e-7  # default tolerance of GradCheckReport.assert_ok and of its table
DETERMINISM_RTOL = 1e-10  # two evaluations at the same point must agree this closely
DETERMINISM_ATOL = 1e-14

try:  # numpy >= 1.25
    _ComplexWarning = np.exceptions.ComplexWarning
except AttributeError:  # pragma: no cover - older numpy
    _ComplexWarning = np.ComplexWarning


# ---------------------------------------------------------------------------------------
# Pure math
# ---------------------------------------------------------------------------------------
def _relative_errors(x, y):
    """Elementwise relative error |x - y| / max(REL_ERROR_FLOOR, |x| + |y|).

    Inputs:
    - x, y: numbers or arrays of the same shape (d_1, ..., d_k)

    Returns:
    - errors: array of shape (d_1, ..., d_k); NaN where x or y is NaN or infinite
    """
    return np.abs(x - y) / np.maximum(REL_ERROR_FLOOR, np.abs(x) + np.abs(y))


def rel_error(x, y):
    """Maximum relative error between two arrays (CS231n).

    Inputs:
    - x, y: numbers or arrays of the same shape (d_1, ..., d_k)

    Returns:
    - error: float, max over elements of |x - y| / max(1e-8, |x| + |y|)
    """
    x = np.asarray(x)
    y = np.asarray(y)
    if x.shape != y.shape:
        raise ValueError(
            f"rel_error: x has shape {x.shape} but y has shape {y.shape}; "
            "compare arrays of the same shape"
        )
    if x.size == 0:
        raise ValueError("rel_error: x and y are empty; there is nothing to compare")
    return float(np.max(_relative_errors(x, y)))


def scaled_error(actual, expected):
    """Largest difference between two arrays, relative to the largest entry of ``expected``.

    Use it to compare two implementations of the same layer that add up the same terms in a
    different order (naive loops vs im2col + BLAS): rounding then differs by a few units in
    the last place of the *large* terms, and ``rel_error`` divides that by each element's own
    magnitude, which is arbitrarily small for an output that happens to be near zero.

    Inputs:
    - actual, expected: arrays of the same shape (d_1, ..., d_k), not empty

    Returns:
    - error: float, max |actual - expected| / max |expected|
    """
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    if actual.shape != expected.shape or actual.size == 0:
        raise ValueError(
            f"scaled_error: actual has shape {actual.shape} and expected {expected.shape}; "
            "compare non-empty arrays of the same shape"
        )
    scale = max(float(np.max(np.abs(expected))), np.finfo(np.float64).tiny)
    return float(np.max(np.abs(actual - expected))) / scale


def _worst_element(errors):
    """Index of the largest relative error (the first NaN if there is one).

    Inputs:
    - errors: non-empty array of shape (d_1, ..., d_k)

    Returns:
    - index: tuple of k Python ints
    """
    flat_worst = int(np.argmax(errors))  # np.argmax returns the first NaN, if any
    return tuple(int(i) for i in np.unravel_index(flat_worst, errors.shape))


# ---------------------------------------------------------------------------------------
# Argument validation
# ---------------------------------------------------------------------------------------
def _describe(value):
    """Short description of a value for error messages, e.g. 'ndarray of shape (2, 3)'."""
    if isinstance(value, np.ndarray):
        return f"ndarray of shape {value.shape}"
    if isinstance(value, (tuple, list)):
        return f"{type(value).__name__} of length {len(value)}"
    return type(value).__name__


def _callable_name(fn):
    """Name of a function for report titles."""
    return getattr(fn, "__name__", type(fn).__name__)


def _require_callable(fn, arg_name, caller):
    """Raise TypeError unless fn is callable."""
    if not callable(fn):
        raise TypeError(f"{caller}: {arg_name} must be callable, got {_describe(fn)}")


def _require_float_array(x, arg_name, caller, hint=""):
    """Raise unless x is a non-empty numpy array of real floats (float16/32/64)."""
    if not isinstance(x, np.ndarray):
        raise TypeError(
            f"{caller}: {arg_name} must be a numpy ndarray of floats, got {_describe(x)}{hint}"
        )
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(
            f"{caller}: {arg_name} must hold real floats, got dtype {x.dtype}; "
            f"cast it with .astype(np.float64){hint}"
        )
    if x.size == 0:
        raise ValueError(f"{caller}: {arg_name} is empty (shape {x.shape}); nothing to check")


def _require_positive_step(h, caller):
    """Raise unless h is a positive, finite real number."""
    if isinstance(h, bool) or not isinstance(h, numbers.Real):
        raise TypeError(f"{caller}: h must be a positive float, got {_describe(h)}")
    if not (np.isfinite(h) and h > 0):
        raise ValueError(f"{caller}: h must be a positive finite step size, got h={h!r}")


def _validate_point(f, x, h, caller):
    """Validate the (f, x, h) arguments shared by the numerical-gradient helpers."""
    _require_callable(f, "f", caller)
    _require_float_array(x, "x", caller)
    _require_positive_step(h, caller)


def _require_writeable(x, caller):
    """Raise unless x can be perturbed in place."""
    if not x.flags.writeable:
        raise ValueError(
            f"{caller}: x is read-only; it is perturbed in place (and restored), "
            "pass a writeable array such as x.copy()"
        )


def _real_scalar(value, caller, what):
    """Return value as a Python float; raise unless it is a single real number."""
    if value is None:
        raise TypeError(f"{caller}: {what} returned None; expected a scalar (e.g. a loss)")
    array = np.asarray(value)
    if array.size != 1:
        raise ValueError(
            f"{caller}: {what} must return a scalar, got an array of shape {array.shape}"
        )
    if not (np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.integer)):
        raise TypeError(f"{caller}: {what} must return a real number, got dtype {array.dtype}")
    return float(array.item())


def _float_output(value, expected_shape, caller, what):
    """Return a float64 COPY of an array output (a view of x would change with x)."""
    if value is None:
        raise TypeError(f"{caller}: {what} returned None; expected an array")
    output = np.array(value, dtype=np.float64, copy=True)
    if expected_shape is not None and output.shape != expected_shape:
        raise ValueError(
            f"{caller}: the upstream gradient has shape {expected_shape} but {what} "
            f"returned shape {output.shape}; they must match"
        )
    return output


_DISCARDS_IMAGINARY = (
    "{caller}: f discards the imaginary part of its complex input ({detail}), so the "
    "complex step cannot see the derivative. Every operation in f must carry complex "
    "numbers through (no float(), np.real, np.abs, .astype(float) or writes into float "
    "arrays). Use eval_numerical_gradient for such an f."
)


def _complex_scalar(value, caller):
    """Return f's output as a Python complex; raise unless it is a complex-typed scalar."""
    if value is None:
        raise TypeError(f"{caller}: f returned None; expected a scalar")
    array = np.asarray(value)
    if array.size != 1:
        raise ValueError(f"{caller}: f must return a scalar, got an array of shape {array.shape}")
    if not np.iscomplexobj(array):
        detail = f"it returned a real {array.dtype} value for a complex input"
        raise TypeError(_DISCARDS_IMAGINARY.format(caller=caller, detail=detail))
    return complex(array.item())


def _keeps_imaginary(f, caller):
    """Wrap f so that numpy discarding an imaginary part raises TypeError, not a warning."""

    @functools.wraps(f)
    def guarded(z):
        with warnings.catch_warnings():
            warnings.simplefilter("error", _ComplexWarning)
            try:
                return f(z)
            except _ComplexWarning as err:
                detail = f"numpy warned: {err}"
                raise TypeError(_DISCARDS_IMAGINARY.format(caller=caller, detail=detail)) from err

    return guarded


# ---------------------------------------------------------------------------------------
# Perturbation core (shared by every helper)
# ---------------------------------------------------------------------------------------
def _evaluate_with_offsets(f, x, ix, offsets, read):
    """Evaluate f with x[ix] shifted by each offset in turn, restoring x[ix] afterwards.

    x[ix] gets back its exact original value even when f (or read) raises.

    Inputs:
    - f: callable taking x
    - x: ndarray, perturbed IN PLACE
    - ix: tuple, index of one element of x
    - offsets: sequence of numbers added to x[ix], e.g. (h, -h)
    - read: callable turning f's output into the value kept (a copy, so that a later
      perturbation cannot change it through a view)

    Returns:
    - values: list with read(f(x + offset * e_ix)) for each offset, in order
    """
    original = x[ix]  # a numpy scalar: a copy of the element with x's dtype
    values = []
    try:
        for offset in offsets:
            x[ix] = original + offset
            values.append(read(f(x)))
    finally:
        x[ix] = original
    return values


def _centered_difference(f, x, ix, h, read):
    """Centered difference (f(x + h e_ix) - f(x - h e_ix)) / (2 h) of read(f(.)).

    Inputs:
    - f, x, ix, read: as in _evaluate_with_offsets
    - h: positive step

    Returns:
    - derivative: scalar, or array of f's output shape, d f / d x[ix]
    """
    f_plus, f_minus = _evaluate_with_offsets(f, x, ix, (h, -h), read)
    return (f_plus - f_minus) / (2 * h)


def _index_sampler(shape, seed):
    """Return a function drawing one uniformly random index of an array of this shape.

    seed=None draws from numpy's global RandomState (so np.random.seed / cs231n.seed_all
    make it reproducible, like CS231n's global `random`); an int seeds a private Generator.
    """
    if seed is None:
        # CS231n drew from a global random source: keep that, on purpose.
        return lambda: tuple(int(np.random.randint(size)) for size in shape)  # noqa: NPY002
    rng = np.random.default_rng(seed)
    return lambda: tuple(int(rng.integers(size)) for size in shape)


# ---------------------------------------------------------------------------------------
# CS231n helpers
# ---------------------------------------------------------------------------------------
def eval_numerical_gradient(f, x, verbose=True, h=1e-5):
    """Numerical gradient of a scalar function f at x by centered differences (CS231n).

    x is perturbed in place one element at a time and restored (also if f raises).

    Inputs:
    - f: callable, f(x) returns a scalar (e.g. a loss); it may ignore its argument and
      read x through a closure (x being, e.g., a model's parameter array)
    - x: float ndarray of any shape (d_1, ..., d_k), the point to differentiate at
    - verbose: if True, print every index and its gradient like CS231n
    - h: step size of the centered difference

    Returns:
    - grad: array of shape (d_1, ..., d_k) and x's dtype, grad[i] ~ d f / d x[i]
    """
    caller = "eval_numerical_gradient"
    _validate_point(f, x, h, caller)
    _require_writeable(x, caller)
    read = functools.partial(_real_scalar, caller=caller, what="f(x)")
    grad = np.zeros_like(x)
    for ix in np.ndindex(x.shape):
        grad[ix] = _centered_difference(f, x, ix, h, read)
        if verbose:
            print(ix, grad[ix])
    return grad


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """Numerical gradient of sum(f(x) * df) for an array-valued f (CS231n).

    This is what a layer's backward pass computes: with f a forward pass and df the
    upstream gradient dout, the result approximates dx. x is perturbed in place one
    element at a time and restored (also if f raises).

    Inputs:
    - f: callable, f(x) returns an array of shape (o_1, ..., o_m)
    - x: float ndarray of any shape (d_1, ..., d_k)
    - df: array of shape (o_1, ..., o_m), upstream gradient of f's output
    - h: step size of the centered difference

    Returns:
    - grad: array of shape (d_1, ..., d_k) and x's dtype
    """
    caller = "eval_numerical_gradient_array"
    _validate_point(f, x, h, caller)
    _require_writeable(x, caller)
    try:
        df = np.asarray(df, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{caller}: df must be a numeric array, got {_describe(df)}") from err
    read = functools.partial(_float_output, expected_shape=df.shape, caller=caller, what="f(x)")
    grad = np.zeros_like(x)
    for ix in np.ndindex(x.shape):
        doutput_dxi = _centered_difference(f, x, ix, h, read)  # (o_1, ..., o_m)
        grad[ix] = np.sum(doutput_dxi * df)
    return grad


def grad_check_sparse(f, x, analytic_grad, num_checks=10, h=1e-5, seed=None):
    """Compare numerical and analytic gradients at a few random elements of x (CS231n).

    Prints one line per check like CS231n; x is perturbed in place and restored.

    Inputs:
    - f: callable, f(x) returns a scalar
    - x: float ndarray of any shape (d_1, ..., d_k)
    - analytic_grad: array of shape (d_1, ..., d_k), the gradient to check
    - num_checks: number of random elements to check (drawn with replacement)
    - h: step size of the centered difference
    - seed: None to draw from numpy's global random state (reproducible after
      np.random.seed), or an int for a private np.random.default_rng(seed)

    Returns:
    - errors: list of num_checks floats, the relative error of each check
    """
    caller = "grad_check_sparse"
    _validate_point(f, x, h, caller)
    _require_writeable(x, caller)
    analytic_grad = np.asarray(analytic_grad)
    if analytic_grad.shape != x.shape:
        raise ValueError(
            f"{caller}: analytic_grad has shape {analytic_grad.shape} but x has shape "
            f"{x.shape}; they must match"
        )
    if isinstance(num_checks, bool) or not isinstance(num_checks, numbers.Integral):
        raise TypeError(f"{caller}: num_checks must be an int, got {_describe(num_checks)}")
    if num_checks < 1:
        raise ValueError(f"{caller}: num_checks must be >= 1, got {num_checks}")
    draw_index = _index_sampler(x.shape, seed)
    read = functools.partial(_real_scalar, caller=caller, what="f(x)")
    errors = []
    for _ in range(num_checks):
        ix = draw_index()
        grad_numerical = _centered_difference(f, x, ix, h, read)
        grad_analytic = float(analytic_grad[ix])
        error = float(_relative_errors(grad_numerical, grad_analytic))
        print(
            f"numerical: {grad_numerical:f} analytic: {grad_analytic:f}, relative error: {error:e}"
        )
        errors.append(error)
    return errors


def complex_step_gradient(f, x, h=1e-20):
    """Gradient of a real-analytic scalar function by the complex step.

    d f / d x[i] = Im f(x + i*h*e_i) / h + O(h**2). There is no subtraction, so h can be
    tiny (1e-20) and the result is accurate to machine precision (relative error ~1e-15
    where centered differences reach ~1e-9). f runs on a complex128 COPY of x; the
    caller's x is never modified.

    f must accept complex input and carry the imaginary part through every operation
    (+, *, /, **, exp, log, sin, tanh, sums, matrix products... are fine). An f that
    discards it (float(), np.real, np.abs, .astype(float), writing into a float array)
    raises TypeError: detected when f returns a real-typed value, or when numpy emits a
    ComplexWarning inside f. A constant f must therefore still return a complex value.
    Kinks such as max(0, x) are not analytic: use eval_numerical_gradient there.

    Inputs:
    - f: callable, f(z) returns a complex scalar for complex z of x's shape
    - x: real float ndarray of any shape (d_1, ..., d_k)
    - h: size of the imaginary step

    Returns:
    - grad: float64 array of shape (d_1, ..., d_k)
    """
    caller = "complex_step_gradient"
    _validate_point(f, x, h, caller)
    guarded_f = _keeps_imaginary(f, caller)
    read = functools.partial(_complex_scalar, caller=caller)
    x_complex = x.astype(np.complex128)  # a copy: perturbations never reach the caller's x
    grad = np.zeros(x.shape, dtype=np.float64)
    for ix in np.ndindex(x.shape):
        (f_step,) = _evaluate_with_offsets(guarded_f, x_complex, ix, (1j * h,), read)
        grad[ix] = f_step.imag / h
    return grad


# ---------------------------------------------------------------------------------------
# Reports
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GradCheckEntry:
    """Result of checking the gradient of one array.

    Attributes:
    - name: str, name of the checked array (key of inputs / model.params)
    - max_rel_error: float, max over elements of |a - n| / max(1e-8, |a| + |n|)
    - worst_index: tuple of ints, index where max_rel_error is reached
    - analytic: float, analytic gradient at worst_index
    - numeric: float, numerical gradient at worst_index
    - shape: tuple, shape of the checked array
    """

    name: str
    max_rel_error: float
    worst_index: tuple
    analytic: float
    numeric: float
    shape: tuple = ()

    def ok(self, tol=DEFAULT_TOL):
        """True if max_rel_error <= tol (False for NaN)."""
        return bool(self.max_rel_error <= tol)


def compare_gradients(name, analytic, numeric):
    """GradCheckEntry comparing two gradient arrays of the same shape (d_1, ..., d_k).

    Inputs:
    - name: what the entry is called in a GradCheckReport
    - analytic: the gradient under test; numeric: the reference (centered differences, or
      another implementation such as PyTorch's autograd)

    Returns a GradCheckEntry with the largest elementwise relative error, where it occurs,
    and both values there.
    """
    errors = _relative_errors(analytic, numeric)
    worst_index = _worst_element(errors)
    return GradCheckEntry(
        name=name,
        max_rel_error=float(errors[worst_index]),
        worst_index=worst_index,
        analytic=float(analytic[worst_index]),
        numeric=float(numeric[worst_index]),
        shape=tuple(analytic.shape),
    )


class GradCheckReport:
    """Results of a gradient check, one GradCheckEntry per checked array.

    - report.entries: list of GradCheckEntry, in the order of the checked arrays
    - report[name]: the entry of one array
    - report.max_rel_error: worst relative error over all arrays
    - report.assert_ok(tol): raise AssertionError naming every array over tol
    - str(report): a table (name, shape, max rel error, worst index, values, OK/FAIL)
    """

    COLUMNS = ("name", "shape", "max rel error", "worst index", "analytic", "numeric", "status")

    def __init__(self, entries, title="gradient check", h=None):
        self.entries = list(entries)
        self.title = title
        self.h = h

    def __getitem__(self, name):
        for entry in self.entries:
            if entry.name == name:
                return entry
        raise KeyError(f"GradCheckReport has no entry {name!r}; entries: {self.names}")

    def __iter__(self):
        return iter(self.entries)

    def __len__(self):
        return len(self.entries)

    @property
    def names(self):
        """Names of the checked arrays, in order."""
        return [entry.name for entry in self.entries]

    @property
    def max_rel_error(self):
        """Worst max_rel_error over all entries (NaN if any entry is NaN)."""
        if not self.entries:
            return 0.0
        return float(np.max([entry.max_rel_error for entry in self.entries]))

    def failures(self, tol=DEFAULT_TOL):
        """Entries whose max_rel_error exceeds tol (or is NaN)."""
        return [entry for entry in self.entries if not entry.ok(tol)]

    def ok(self, tol=DEFAULT_TOL):
        """True if every entry is within tol."""
        return not self.failures(tol)

    def assert_ok(self, tol=DEFAULT_TOL):
        """Raise AssertionError naming every array over tol; return the report otherwise."""
        failures = self.failures(tol)
        if failures:
            lines = [
                f"{self.title}: {len(failures)} of {len(self.entries)} gradients exceed "
                f"tol={tol:g}:"
            ]
            lines += [
                f"  {entry.name}: max rel error {entry.max_rel_error:.3e} at index "
                f"{entry.worst_index}: analytic {entry.analytic:.10g} vs numeric "
                f"{entry.numeric:.10g}"
                for entry in failures
            ]
            raise AssertionError("\n".join(lines))
        return self

    def format_table(self, tol=DEFAULT_TOL):
        """The report as a text table, with OK/FAIL judged against tol."""
        rows = [
            (
                str(entry.name),
                str(entry.shape),
                f"{entry.max_rel_error:.3e}",
                str(entry.worst_index),
                f"{entry.analytic:.6g}",
                f"{entry.numeric:.6g}",
                "OK" if entry.ok(tol) else "FAIL",
            )
            for entry in self.entries
        ]
        widths = [
            max(len(cell) for cell in column) for column in zip(self.COLUMNS, *rows, strict=True)
        ]
        step = "" if self.h is None else f"h={self.h:g}, "
        lines = [f"{self.title} ({step}tol={tol:g})"]
        for row in (self.COLUMNS, *rows):
            lines.append(
                "  ".join(
                    cell.ljust(width) for cell, width in zip(row, widths, strict=True)
                ).rstrip()
            )
        return "\n".join(lines)

    def __str__(self):
        return self.format_table()

    __repr__ = __str__  # a notebook cell ending in `report` shows the table


# ---------------------------------------------------------------------------------------
# Bookkeeping shared by check_layer / check_loss / check_model
# ---------------------------------------------------------------------------------------
_ARGS_HINT = "; pass non-differentiable arguments (labels, param dicts) through args"


def _float64_inputs(inputs, caller):
    """Validate inputs (dict name -> float ndarray) and return float64 copies, same order."""
    if not isinstance(inputs, Mapping):
        raise TypeError(
            f"{caller}: inputs must be a dict name -> ndarray, e.g. {{'x': x, 'w': w}}, "
            f"got {_describe(inputs)}"
        )
    if not inputs:
        raise ValueError(f"{caller}: inputs is empty; give at least one array to check")
    copies = {}
    for name, value in inputs.items():
        _require_float_array(value, f"inputs[{name!r}]", caller, hint=_ARGS_HINT)
        copies[name] = np.array(value, dtype=np.float64, copy=True)
    return copies


def _copied_args(args, caller):
    """Validate args (tuple/list) and deep-copy it, so the check leaves the caller's
    param dicts (e.g. bn_param running averages) untouched."""
    if not isinstance(args, (tuple, list)):
        raise TypeError(
            f"{caller}: args must be a tuple of extra positional arguments, e.g. "
            f"args=(conv_param,), got {_describe(args)}"
        )
    return copy.deepcopy(tuple(args))


def _unpack_pair(result, caller, what, names):
    """Check that result is a pair, e.g. (out, cache), and return it."""
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise TypeError(
            f"{caller}: {what} must return a pair ({names[0]}, {names[1]}), got {_describe(result)}"
        )
    return result


def _checked_gradient(grad, name, shape, caller, source):
    """float64 copy of one analytic gradient, checked against its array's shape."""
    if grad is None:
        raise TypeError(
            f"{caller}: {source} returned None as the gradient of {name!r}; is it implemented?"
        )
    grad = np.asarray(grad)
    if not (np.issubdtype(grad.dtype, np.floating) or np.issubdtype(grad.dtype, np.integer)):
        raise TypeError(
            f"{caller}: {source}'s gradient of {name!r} must be a real array, "
            f"got dtype {grad.dtype}"
        )
    if grad.shape != shape:
        raise ValueError(
            f"{caller}: {source}'s gradient of {name!r} has shape {grad.shape} but "
            f"{name!r} has shape {shape}"
        )
    return grad.astype(np.float64, copy=True)


def _gradients_by_name(raw_grads, values, caller, source):
    """Match a backward/loss result (one array, or a tuple in inputs order) to inputs.

    Returns a dict name -> float64 gradient with the shape of values[name].
    """
    names = list(values)
    listing = f"({', '.join(str(name) for name in names)})"
    count = f"{len(names)} {'entry' if len(names) == 1 else 'entries'}"
    if isinstance(raw_grads, (tuple, list)):
        grads = list(raw_grads)
    elif len(names) == 1:
        grads = [raw_grads]
    else:
        raise ValueError(
            f"{caller}: {source} returned a single {_describe(raw_grads)} but inputs has "
            f"{count} {listing}; return a tuple with one gradient per input, in that order"
        )
    if len(grads) != len(names):
        raise ValueError(
            f"{caller}: {source} returned {len(grads)} gradients but inputs has {count} {listing}"
        )
    return {
        name: _checked_gradient(grad, name, values[name].shape, caller, source)
        for name, grad in zip(names, grads, strict=True)
    }


def _gradients_from_dict(raw_grads, params, caller):
    """Match model.loss's grads dict to model.params; dict name -> float64 gradient."""
    if not isinstance(raw_grads, Mapping):
        raise TypeError(
            f"{caller}: model.loss(X, y) must return (loss, grads) with grads a dict "
            f"name -> ndarray, got grads as {_describe(raw_grads)}"
        )
    missing = [name for name in params if name not in raw_grads]
    extra = [name for name in raw_grads if name not in params]
    if missing or extra:
        raise ValueError(
            f"{caller}: grads keys must equal model.params keys; missing gradients for "
            f"{missing}, gradients of unknown params {extra}"
        )
    return {
        name: _checked_gradient(raw_grads[name], name, params[name].shape, caller, "model.loss")
        for name in params
    }


def _require_unchanged(values, pristine, caller, culprit):
    """Raise if forward/backward/loss modified a checked array in place."""
    for name, value in values.items():
        if not np.array_equal(value, pristine[name], equal_nan=True):
            raise ValueError(
                f"{caller}: {culprit} modified {name!r} in place; it must leave its inputs "
                "(and the arrays in its cache) unchanged to be gradient-checked"
            )


def _require_deterministic(first, again, caller, what):
    """Raise if two evaluations at the same point differ (e.g. an unseeded dropout)."""
    if not np.allclose(again, first, rtol=DETERMINISM_RTOL, atol=DETERMINISM_ATOL, equal_nan=True):
        raise ValueError(
            f"{caller}: {what} gave different results for the same inputs; it must be "
            "deterministic to be gradient-checked (e.g. set dropout_param['seed'])"
        )


def _numeric_report(values, analytic, numeric_gradient, title, h):
    """Build a GradCheckReport: numeric_gradient(name, x) perturbs x = values[name]."""
    entries = [
        compare_gradients(name, analytic[name], numeric_gradient(name, x))
        for name, x in values.items()
    ]
    return GradCheckReport(entries, title=title, h=h)


# ---------------------------------------------------------------------------------------
# Checkers
# ---------------------------------------------------------------------------------------
def check_layer(forward, backward, inputs, args=(), dout=None, h=1e-6, seed=0):
    """Check every gradient of a layer's forward/backward pair.

    Works on float64 copies of the inputs (and a deep copy of args); the caller's arrays
    are never touched. The numerical gradient of each input is computed with the other
    inputs held fixed, by centered differences of sum(forward(...)[0] * dout).

    Inputs:
    - forward: callable, forward(*inputs.values(), *args) -> (out, cache)
    - backward: callable, backward(dout, cache) -> one gradient if inputs has one entry,
      else a tuple with one gradient per entry of inputs, in the same order
    - inputs: dict name -> float ndarray, the differentiable inputs, in forward's
      argument order, e.g. {'x': x, 'w': w, 'b': b}
    - args: tuple of extra non-differentiable arguments passed after the inputs, e.g.
      (conv_param,) or (bn_param,)
    - dout: upstream gradient, array of out's shape; default
      np.random.default_rng(seed).standard_normal(out.shape)
    - h: step size of the centered differences
    - seed: seed of the default dout

    Returns:
    - report: GradCheckReport with one entry per input (call report.assert_ok(tol))
    """
    caller = "check_layer"
    _require_callable(forward, "forward", caller)
    _require_callable(backward, "backward", caller)
    _require_positive_step(h, caller)
    values = _float64_inputs(inputs, caller)
    pristine = {name: value.copy() for name, value in values.items()}
    args = _copied_args(args, caller)

    def run_forward():
        result = forward(*values.values(), *args)
        out, cache = _unpack_pair(result, caller, "forward", ("out", "cache"))
        return _float_output(out, None, caller, "forward"), cache

    def forward_out(_x=None):
        return run_forward()[0]

    out, cache = run_forward()
    if dout is None:
        dout = np.random.default_rng(seed).standard_normal(out.shape)
    dout = _float_output(dout, None, caller, "dout")
    if dout.shape != out.shape:
        raise ValueError(
            f"{caller}: dout has shape {dout.shape} but forward's output has shape "
            f"{out.shape}; they must match"
        )
    raw_grads = backward(dout.copy(), cache)
    analytic = _gradients_by_name(raw_grads, values, caller, "backward")
    _require_unchanged(values, pristine, caller, "forward or backward")
    _require_deterministic(out, forward_out(), caller, "forward")

    def numeric_gradient(_name, x):
        return eval_numerical_gradient_array(forward_out, x, dout, h)

    title = f"{caller}: {_callable_name(forward)} / {_callable_name(backward)}"
    return _numeric_report(values, analytic, numeric_gradient, title, h)


def check_loss(loss_fn, inputs, args=(), h=1e-6):
    """Check the gradients returned by a loss function.

    Works on float64 copies of the inputs (and a deep copy of args).

    Inputs:
    - loss_fn: callable, loss_fn(*inputs.values(), *args) -> (loss, grads) with grads
      one array if inputs has one entry, else a tuple in inputs order; e.g. svm_loss
      with inputs={'x': x} of shape (N, C) and args=(y,) with y of shape (N,)
    - inputs: dict name -> float ndarray, the differentiable inputs, in order
    - args: tuple of extra non-differentiable arguments (labels, reg, ...)
    - h: step size of the centered differences

    Returns:
    - report: GradCheckReport with one entry per input
    """
    caller = "check_loss"
    _require_callable(loss_fn, "loss_fn", caller)
    _require_positive_step(h, caller)
    values = _float64_inputs(inputs, caller)
    pristine = {name: value.copy() for name, value in values.items()}
    args = _copied_args(args, caller)

    def evaluate():
        result = loss_fn(*values.values(), *args)
        return _unpack_pair(result, caller, "loss_fn", ("loss", "grads"))

    def loss_only(_x=None):
        return _real_scalar(evaluate()[0], caller, "loss_fn")

    loss, raw_grads = evaluate()
    loss = _real_scalar(loss, caller, "loss_fn")
    analytic = _gradients_by_name(raw_grads, values, caller, "loss_fn")
    _require_unchanged(values, pristine, caller, "loss_fn")
    _require_deterministic(loss, loss_only(), caller, "loss_fn")

    def numeric_gradient(_name, x):
        return eval_numerical_gradient(loss_only, x, verbose=False, h=h)

    title = f"{caller}: {_callable_name(loss_fn)}"
    return _numeric_report(values, analytic, numeric_gradient, title, h)


def _model_parts(model, caller):
    """Validate a CS231n-style model and return its params dict."""
    params = getattr(model, "params", None)
    if not isinstance(params, Mapping):
        raise TypeError(
            f"{caller}: model must have a params dict name -> ndarray (CS231n models do), "
            f"got model.params as {_describe(params)}"
        )
    _require_callable(getattr(model, "loss", None), "model.loss", caller)
    if not params:
        raise ValueError(f"{caller}: model.params is empty; there is nothing to check")
    for name, value in params.items():
        _require_float_array(value, f"model.params[{name!r}]", caller)
    return params


def _float64_data(X):
    """Copy of X, cast to float64 when it holds floats (integer X, e.g. word ids, kept)."""
    X = np.asarray(X)
    if np.issubdtype(X.dtype, np.floating):
        return X.astype(np.float64, copy=True)
    return X.copy()


def check_model(model, X, y, h=1e-6):
    """Check the gradient of every entry of model.params against model.loss.

    For the check, every array in model.params is replaced by a float64 copy and, if
    the model has a `dtype` attribute (like CS231n's FullyConnectedNet, whose loss casts
    X to self.dtype), model.dtype is set to np.float64. The original arrays (same
    objects, same dtypes) and dtype are put back afterwards, also when the check raises.
    Other state that model.loss changes (e.g. batchnorm running averages) is not restored.

    Inputs:
    - model: object with `params` (dict name -> float ndarray) and
      `loss(X, y) -> (loss, grads)` with grads a dict with the keys of params
    - X: array of shape (N, d_1, ..., d_k), a small minibatch
    - y: array of shape (N,), labels (not None: CS231n models return scores for y=None)
    - h: step size of the centered differences

    Returns:
    - report: GradCheckReport with one entry per entry of model.params, in its order
    """
    caller = "check_model"
    _require_positive_step(h, caller)
    params = _model_parts(model, caller)
    if y is None:
        raise ValueError(
            f"{caller}: y is None; model.loss(X, None) returns scores, pass the labels y"
        )
    X = _float64_data(X)
    y = np.array(y, copy=True)
    saved_params = dict(params)
    has_dtype = hasattr(model, "dtype")
    saved_dtype = getattr(model, "dtype", None)
    try:
        if has_dtype:
            model.dtype = np.float64
        for name, value in saved_params.items():
            params[name] = value.astype(np.float64, copy=True)
        return _check_float64_model(model, params, X, y, h, caller)
    finally:
        for name, value in saved_params.items():
            params[name] = value
        if has_dtype:
            model.dtype = saved_dtype


def _check_float64_model(model, params, X, y, h, caller):
    """check_model's work, once params holds float64 copies (see check_model)."""
    pristine = {name: value.copy() for name, value in params.items()}

    def evaluate():
        return _unpack_pair(model.loss(X, y), caller, "model.loss(X, y)", ("loss", "grads"))

    def loss_only(_x=None):
        return _real_scalar(evaluate()[0], caller, "model.loss(X, y)")

    loss, raw_grads = evaluate()
    loss = _real_scalar(loss, caller, "model.loss(X, y)")
    analytic = _gradients_from_dict(raw_grads, params, caller)
    _require_unchanged(params, pristine, caller, "model.loss")
    _require_deterministic(loss, loss_only(), caller, "model.loss")

    def numeric_gradient(_name, param):
        return eval_numerical_gradient(loss_only, param, verbose=False, h=h)

    title = f"{caller}: {type(model).__name__}"
    return _numeric_report(dict(params), analytic, numeric_gradient, title, h)
