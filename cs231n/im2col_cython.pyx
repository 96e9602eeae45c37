# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""Compiled convolution, im2col / col2im and max pooling (float32 and float64).

Convolution (``conv_forward_cython`` / ``conv_backward_cython``)
----------------------------------------------------------------
The batch is cut into images; each thread takes whole images and, for each one, builds that
image's im2col matrix (C*HH*WW, Ho*Wo) in a buffer of its own (a few hundred KB, so it stays in
the core's cache) and multiplies it with the filters through BLAS (``scipy.linalg.cython_blas``,
sgemm/dgemm), writing straight into the (F, Ho*Wo) block of the output. No batch-sized column
matrix is ever allocated (a float64 one is 60 MB for a 7x7 conv on 50 CIFAR images). The
backward pass rebuilds each image's columns (cheaper than keeping them: they are in cache) and
computes, per image, dw += dout_n @ cols_n^T and dcols_n = w_rows^T @ dout_n, which col2im
scatters into dx_n (1x1 filters with stride 1 and no padding skip col2im: the GEMM writes dx_n).
The column buffer carries an extra row of ones, so the forward GEMM also adds the biases and
the dw GEMM also sums dout into db: no separate passes over the output.

dw and db are summed per group of consecutive images (the groups depend only on N) and the
group sums are added in order afterwards, so every result is bit-for-bit the same for any number
of threads.

Threads
-------
One OpenMP parallel region per call, over images (conv) or (image, channel) planes (pooling,
im2col, col2im); the number of threads is OpenMP's default, i.e. ``OMP_NUM_THREADS`` when set,
else the number of cores. Small calls (below ``THREAD_MIN_MACS`` multiply-adds or
``THREAD_MIN_ELEMENTS`` elements) stay on the calling thread: waking threads costs more than it
saves there, and much more on a loaded machine. Inside the conv region every thread calls BLAS
itself, so BLAS must run single-threaded there (OpenMP threads x BLAS threads <= cores):
``conv_forward_cython`` / ``conv_backward_cython`` set the OpenBLAS that scipy bundles to one
thread for the duration of the call and restore it afterwards (``BLAS_THREAD_PIN``). Where that
OpenBLAS cannot be found (another BLAS behind scipy), the conv region runs on one thread and
BLAS keeps its own threads. numpy's BLAS is a different library and is never touched. Without
OpenMP (``CS231N_NO_OPENMP=1`` builds or compilers without it) everything runs on one thread.

Column layout of ``im2col_cython`` (the same as the pure-numpy reference ``cs231n.im2col``)
-----------------------------------------------------------------------------------------
    cols.shape == (C * HH * WW, N * Ho * Wo)
    row    index = c * HH * WW + i * WW + j
    column index = n * Ho * Wo + h_out * Wo + w_out
    cols[row, column] == x_padded[n, c, h_out * stride + i, w_out * stride + j]

Padding is never materialised: positions in the zero border are written as 0 (im2col) or
skipped (col2im). The Python-visible functions validate their arguments (TypeError/ValueError
naming the argument) before any unchecked indexing happens.
"""

import ctypes
import glob
import os
import threading

import numpy as np

from cython cimport floating
from cython.parallel cimport parallel, prange
from libc.stdint cimport int32_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy, memset
from scipy.linalg.cython_blas cimport dgemm, sgemm

from cs231n.im2col import check_int, conv_output_shape

cdef extern from *:
    """
    #ifdef _OPENMP
    #include <omp.h>
    static int cs231n_openmp_max_threads(void) { return omp_get_max_threads(); }
    #define CS231N_OPENMP 1
    #else
    static int cs231n_openmp_max_threads(void) { return 1; }
    #define CS231N_OPENMP 0
    #endif
    """
    int cs231n_openmp_max_threads() noexcept nogil
    int CS231N_OPENMP

SUPPORTED_DTYPES = (np.float32, np.float64)
OPENMP_ENABLED = bool(CS231N_OPENMP)  # False for CS231N_NO_OPENMP=1 builds

# Work below which a call stays on the calling thread (see the module docstring).
THREAD_MIN_MACS = 1 << 18  # conv multiply-adds N*F*C*HH*WW*Ho*Wo (~0.1 ms on one core)
THREAD_MIN_ELEMENTS = 1 << 16  # elements read + written by im2col / col2im / pooling
# dw / db are summed over at most this many groups of consecutive images (memory: groups*F*K)
MAX_GRADIENT_GROUPS = 16
MAX_BLAS_DIM = 2**31 - 1  # BLAS takes 32-bit int sizes


def openmp_threads():
    """Number of threads a parallel region of this module uses (1 without OpenMP)."""
    return cs231n_openmp_max_threads()


# ----------------------------------------------------------------------------------------------
# BLAS threads: one BLAS thread inside the conv's OpenMP region
# ----------------------------------------------------------------------------------------------
def _find_openblas_thread_control():
    """Return (set_num_threads, get_num_threads) of the OpenBLAS that scipy.linalg.cython_blas
    calls (the one bundled in scipy's wheels), or None when it cannot be found."""
    import scipy.linalg.cython_blas  # noqa: F401 - makes sure scipy's BLAS is loaded

    scipy_dir = os.path.dirname(os.path.abspath(scipy.linalg.cython_blas.__file__))
    scipy_root = os.path.dirname(os.path.dirname(scipy_dir))  # site-packages
    patterns = (
        os.path.join(scipy_root, "scipy.libs", "*openblas*"),  # Linux wheels
        os.path.join(scipy_root, "scipy", ".dylibs", "*openblas*"),  # macOS wheels
    )
    for path in sorted(p for pattern in patterns for p in glob.glob(pattern)):
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix in ("scipy_openblas", "openblas"):
            setter = getattr(library, f"{prefix}_set_num_threads", None)
            getter = getattr(library, f"{prefix}_get_num_threads", None)
            if setter is not None and getter is not None:
                setter.argtypes, setter.restype = [ctypes.c_int], None
                getter.argtypes, getter.restype = [], ctypes.c_int
                return setter, getter
    return None


class BlasThreadPin:
    """Context manager that keeps scipy's OpenBLAS on one thread while conv kernels run.

    Nested and concurrent uses (several Python threads) share one pin: the first entry saves
    the thread count and sets 1, the last exit restores it. ``available`` is False when scipy's
    OpenBLAS was not found; the conv kernels then run their OpenMP region on one thread.
    """

    def __init__(self, control=None):
        self._control = control
        self._lock = threading.Lock()
        self._users = 0
        self._saved_threads = None

    @property
    def available(self):
        """True when the BLAS thread count can be pinned."""
        return self._control is not None

    def __enter__(self):
        if self._control is not None:
            set_threads, get_threads = self._control
            with self._lock:
                if self._users == 0:
                    self._saved_threads = get_threads()
                    set_threads(1)
                self._users += 1
        return self

    def __exit__(self, *exc_info):
        if self._control is not None:
            set_threads, _ = self._control
            with self._lock:
                self._users -= 1
                if self._users == 0:
                    set_threads(self._saved_threads)
        return False


BLAS_THREAD_PIN = BlasThreadPin(_find_openblas_thread_control())


# ----------------------------------------------------------------------------------------------
# Argument checks (Python level, before any unchecked indexing)
# ----------------------------------------------------------------------------------------------
def _as_float_array(array, name, ndim, caller, dtype=None):
    """Return array as a C-contiguous float32/float64 ndarray with ndim dimensions (cast to
    dtype when given)."""
    array = np.asarray(array)
    if dtype is None and array.dtype not in SUPPORTED_DTYPES:
        raise TypeError(
            f"{caller}: {name} must be float32 or float64, got dtype {array.dtype}; "
            f"cast it first, e.g. {name}.astype(np.float64)"
        )
    if array.ndim != ndim:
        raise ValueError(f"{caller}: {name} must have {ndim} dimensions, got shape {array.shape}")
    return np.ascontiguousarray(array, dtype=dtype)


def _check_positive_sizes(sizes, names, caller):
    """Return the sizes as ints; TypeError/ValueError unless every size is an int >= 1."""
    return tuple(check_int(size, name, caller, minimum=1) for size, name in zip(sizes, names))


def _pool_output_size(H, W, pool_height, pool_width, stride, caller):
    """(Ho, Wo) of a max pool; floor semantics: trailing rows/columns no window reaches are
    ignored (the caller decides whether to require exact tiling)."""
    pool_height, pool_width, stride = _check_positive_sizes(
        (pool_height, pool_width, stride), ("pool_height", "pool_width", "stride"), caller
    )
    if pool_height > H or pool_width > W:
        raise ValueError(
            f"{caller}: pool {pool_height}x{pool_width} does not fit into the input {H}x{W}"
        )
    return (H - pool_height) // stride + 1, (W - pool_width) // stride + 1


def _raise_if_failed(status, caller):
    """MemoryError when a kernel could not allocate its per-thread buffers."""
    if status[0] != 0:
        raise MemoryError(f"{caller}: could not allocate the per-thread column buffers")


# ----------------------------------------------------------------------------------------------
# Building blocks (nogil): index helpers, one image's im2col / col2im, row-major GEMM
# ----------------------------------------------------------------------------------------------
cdef inline Py_ssize_t _first_inside(Py_ssize_t offset, Py_ssize_t stride,
                                     Py_ssize_t count) noexcept nogil:
    """Smallest o in [0, count] with o * stride + offset >= 0."""
    cdef Py_ssize_t first
    if offset >= 0:
        return 0
    first = (-offset + stride - 1) // stride
    return first if first < count else count


cdef inline Py_ssize_t _end_inside(Py_ssize_t offset, Py_ssize_t stride, Py_ssize_t size,
                                   Py_ssize_t first, Py_ssize_t count) noexcept nogil:
    """One past the largest o in [first, count) with o * stride + offset <= size - 1
    (returns first when there is none)."""
    cdef Py_ssize_t last_input = size - 1 - offset
    cdef Py_ssize_t end
    if last_input < 0:
        return first
    end = last_input // stride + 1
    if end > count:
        end = count
    return end if end > first else first


cdef inline bint _is_shifted_copy(Py_ssize_t stride, Py_ssize_t out_width, Py_ssize_t W,
                                  Py_ssize_t h_first, Py_ssize_t h_end, Py_ssize_t w_first,
                                  Py_ssize_t w_end) noexcept nogil:
    """True when one (c, i, j) row of an image's columns is its (H, W) plane shifted by a
    constant offset (stride 1, Wo == W) and the row has at least one position inside."""
    return stride == 1 and out_width == W and h_end > h_first and w_end > w_first


cdef void _im2col_image(const floating* image, floating* cols, Py_ssize_t row_stride,
                        Py_ssize_t C, Py_ssize_t H, Py_ssize_t W,
                        Py_ssize_t field_height, Py_ssize_t field_width,
                        Py_ssize_t padding, Py_ssize_t stride,
                        Py_ssize_t out_height, Py_ssize_t out_width) noexcept nogil:
    """Write one image's columns: cols[row * row_stride + h * Wo + w] for image (C, H, W),
    row = (c * HH + i) * WW + j; every one of the C*HH*WW x Ho*Wo entries is written."""
    cdef Py_ssize_t c, i, j, h, w, h_first, h_end, w_first, w_end, in_row, start, end
    cdef Py_ssize_t positions = out_height * out_width
    cdef floating* row_start
    cdef floating* dst
    cdef const floating* src
    for c in range(C):
        for i in range(field_height):
            h_first = _first_inside(i - padding, stride, out_height)
            h_end = _end_inside(i - padding, stride, H, h_first, out_height)
            for j in range(field_width):
                row_start = cols + ((c * field_height + i) * field_width + j) * row_stride
                w_first = _first_inside(j - padding, stride, out_width)
                w_end = _end_inside(j - padding, stride, W, w_first, out_width)
                if _is_shifted_copy(stride, out_width, W, h_first, h_end, w_first, w_end):
                    # "same" stride-1 conv: the row is the image plane shifted by a constant,
                    # so copy the valid span in one go and zero what fell outside the image
                    start = h_first * W + w_first
                    end = (h_end - 1) * W + w_end
                    memset(row_start, 0, start * sizeof(floating))
                    memcpy(row_start + start,
                           image + c * H * W + start + (i - padding) * W + j - padding,
                           (end - start) * sizeof(floating))
                    memset(row_start + end, 0, (positions - end) * sizeof(floating))
                    for h in range(h_first, h_end):
                        for w in range(w_first):
                            row_start[h * W + w] = 0
                        for w in range(w_end, out_width):
                            row_start[h * W + w] = 0
                    continue
                # output rows whose window row i falls into the top / bottom zero border
                memset(row_start, 0, h_first * out_width * sizeof(floating))
                memset(row_start + h_end * out_width, 0,
                       (out_height - h_end) * out_width * sizeof(floating))
                for h in range(h_first, h_end):
                    dst = row_start + h * out_width
                    in_row = h * stride + i - padding
                    src = image + (c * H + in_row) * W + j - padding + w_first * stride
                    for w in range(w_first):
                        dst[w] = 0
                    if stride == 1:
                        memcpy(dst + w_first, src, (w_end - w_first) * sizeof(floating))
                    else:
                        for w in range(w_end - w_first):
                            dst[w_first + w] = src[w * stride]
                    for w in range(w_end, out_width):
                        dst[w] = 0


cdef void _col2im_image(const floating* cols, Py_ssize_t row_stride, floating* image,
                        Py_ssize_t C, Py_ssize_t H, Py_ssize_t W,
                        Py_ssize_t field_height, Py_ssize_t field_width,
                        Py_ssize_t padding, Py_ssize_t stride,
                        Py_ssize_t out_height, Py_ssize_t out_width) noexcept nogil:
    """Adjoint of _im2col_image: add one image's columns into image (C, H, W), which the
    caller has zeroed; entries that fall into the zero border are dropped."""
    cdef Py_ssize_t c, i, j, h, w, h_first, h_end, w_first, w_end, in_row
    cdef const floating* row_start
    cdef const floating* src
    cdef floating* dst
    for c in range(C):
        for i in range(field_height):
            h_first = _first_inside(i - padding, stride, out_height)
            h_end = _end_inside(i - padding, stride, H, h_first, out_height)
            for j in range(field_width):
                row_start = cols + ((c * field_height + i) * field_width + j) * row_stride
                w_first = _first_inside(j - padding, stride, out_width)
                w_end = _end_inside(j - padding, stride, W, w_first, out_width)
                for h in range(h_first, h_end):
                    src = row_start + h * out_width + w_first
                    in_row = h * stride + i - padding
                    dst = image + (c * H + in_row) * W + j - padding + w_first * stride
                    if stride == 1:
                        for w in range(w_end - w_first):
                            dst[w] += src[w]
                    else:
                        for w in range(w_end - w_first):
                            dst[w * stride] += src[w]


cdef void _col2im_image_scratch(floating* cols, Py_ssize_t row_stride, floating* image,
                                Py_ssize_t C, Py_ssize_t H, Py_ssize_t W,
                                Py_ssize_t field_height, Py_ssize_t field_width,
                                Py_ssize_t padding, Py_ssize_t stride,
                                Py_ssize_t out_height, Py_ssize_t out_width) noexcept nogil:
    """_col2im_image for columns the caller no longer needs (they are overwritten): in "same"
    stride-1 convs each row is added as one contiguous span after zeroing the entries that
    fall outside the image (they would wrap into the neighbouring image row); adding those
    zeros leaves the sums exact."""
    cdef Py_ssize_t c, i, j, h, w, h_first, h_end, w_first, w_end, start, end, k
    cdef floating* row_start
    cdef floating* dst
    if stride != 1 or out_width != W:
        _col2im_image(cols, row_stride, image, C, H, W, field_height, field_width, padding,
                      stride, out_height, out_width)
        return
    for c in range(C):
        for i in range(field_height):
            h_first = _first_inside(i - padding, stride, out_height)
            h_end = _end_inside(i - padding, stride, H, h_first, out_height)
            for j in range(field_width):
                row_start = cols + ((c * field_height + i) * field_width + j) * row_stride
                w_first = _first_inside(j - padding, stride, out_width)
                w_end = _end_inside(j - padding, stride, W, w_first, out_width)
                if not _is_shifted_copy(stride, out_width, W, h_first, h_end, w_first, w_end):
                    continue  # every position of this row falls into the zero border
                for h in range(h_first, h_end):
                    for w in range(w_first):
                        row_start[h * W + w] = 0
                    for w in range(w_end, out_width):
                        row_start[h * W + w] = 0
                start = h_first * W + w_first
                end = (h_end - 1) * W + w_end
                dst = image + c * H * W + start + (i - padding) * W + j - padding
                for k in range(end - start):
                    dst[k] += row_start[start + k]


cdef inline void _gemm(bint transpose_a, bint transpose_b, int m, int n, int k,
                       const floating* a, int lda, const floating* b, int ldb, floating beta,
                       floating* c, int ldc) noexcept nogil:
    """Row-major C (m, n) = op(A) (m, k) @ op(B) (k, n) + beta * C, op = transpose when asked.

    BLAS is column-major, where a row-major matrix reads as its transpose, so this asks BLAS
    for C^T = op(B)^T @ op(A)^T.
    """
    cdef char trans_a = b"T" if transpose_a else b"N"
    cdef char trans_b = b"T" if transpose_b else b"N"
    cdef floating one = 1
    if floating is float:
        sgemm(&trans_b, &trans_a, &n, &m, &k, &one, <float*> b, &ldb, <float*> a, &lda,
              &beta, c, &ldc)
    else:
        dgemm(&trans_b, &trans_a, &n, &m, &k, &one, <double*> b, &ldb, <double*> a, &lda,
              &beta, c, &ldc)


# ----------------------------------------------------------------------------------------------
# Kernels (fused over float / double; dispatched on the buffers' dtype)
# ----------------------------------------------------------------------------------------------
def _im2col_kernel(const floating[:, :, :, ::1] x, floating[:, ::1] cols,
                   Py_ssize_t field_height, Py_ssize_t field_width,
                   Py_ssize_t padding, Py_ssize_t stride,
                   Py_ssize_t out_height, Py_ssize_t out_width, bint use_threads):
    """Fill cols (C*HH*WW, N*Ho*Wo) from x (N, C, H, W); image n owns columns
    [n*Ho*Wo, (n+1)*Ho*Wo)."""
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3]
    cdef Py_ssize_t positions = out_height * out_width
    cdef Py_ssize_t n
    with nogil:
        for n in prange(N, schedule="static", use_threads_if=use_threads):
            _im2col_image(&x[n, 0, 0, 0], &cols[0, n * positions], cols.shape[1], C, H, W,
                          field_height, field_width, padding, stride, out_height, out_width)


def _col2im_kernel(const floating[:, ::1] cols, floating[:, :, :, ::1] x,
                   Py_ssize_t field_height, Py_ssize_t field_width,
                   Py_ssize_t padding, Py_ssize_t stride,
                   Py_ssize_t out_height, Py_ssize_t out_width, bint use_threads):
    """Scatter-add cols (C*HH*WW, N*Ho*Wo) into x (N, C, H, W); every image is zeroed first."""
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3]
    cdef Py_ssize_t positions = out_height * out_width
    cdef Py_ssize_t n
    with nogil:
        for n in prange(N, schedule="static", use_threads_if=use_threads):
            memset(&x[n, 0, 0, 0], 0, C * H * W * sizeof(floating))
            _col2im_image(&cols[0, n * positions], cols.shape[1], &x[n, 0, 0, 0], C, H, W,
                          field_height, field_width, padding, stride, out_height, out_width)


cdef void _set_bias_row(floating* cols, Py_ssize_t rows, Py_ssize_t positions) noexcept nogil:
    """Fill the last row of a (rows + 1, positions) column buffer with ones (the bias row: it
    multiplies b in the forward GEMM and sums dout into db in the dw GEMM)."""
    cdef Py_ssize_t p
    if cols != NULL:
        for p in range(positions):
            cols[rows * positions + p] = 1


def _conv_forward_kernel(const floating[:, :, :, ::1] x, const floating[:, ::1] w_aug,
                         floating[:, :, ::1] out,
                         Py_ssize_t field_height, Py_ssize_t field_width,
                         Py_ssize_t padding, Py_ssize_t stride,
                         Py_ssize_t out_height, Py_ssize_t out_width,
                         bint use_threads, int[::1] status):
    """out[n] (F, Ho*Wo) = w_aug (F, K+1) @ [cols_n; ones] (K+1, Ho*Wo), image by image;
    w_aug = [w_rows | b]."""
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3]
    cdef int F = w_aug.shape[0], K = w_aug.shape[1] - 1, P = out_height * out_width
    cdef Py_ssize_t n
    cdef floating* cols = NULL
    with nogil, parallel(use_threads_if=use_threads):
        cols = <floating*> malloc((K + 1) * P * sizeof(floating))
        _set_bias_row(cols, K, P)
        if cols == NULL:
            status[0] = 1
        for n in prange(N, schedule="dynamic"):
            if cols == NULL:
                continue
            _im2col_image(&x[n, 0, 0, 0], cols, P, C, H, W, field_height, field_width,
                          padding, stride, out_height, out_width)
            _gemm(False, False, F, P, K + 1, &w_aug[0, 0], K + 1, cols, P, 0, &out[n, 0, 0], P)
        free(cols)


def _conv_backward_kernel(const floating[:, :, ::1] dout, const floating[:, :, :, ::1] x,
                          const floating[:, ::1] w_aug, floating[:, :, :, ::1] dx,
                          floating[:, :, ::1] dw_groups,
                          Py_ssize_t field_height, Py_ssize_t field_width,
                          Py_ssize_t padding, Py_ssize_t stride,
                          Py_ssize_t out_height, Py_ssize_t out_width,
                          bint use_threads, int[::1] status):
    """Per image n: dw_groups[g] (F, K+1) += dout_n @ [cols_n; ones]^T (its last column sums
    dout_n into db) and dx[n] = col2im(w_rows^T @ dout_n), w_rows = w_aug[:, :K]; group g
    holds images [g*N//G, (g+1)*N//G)."""
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3]
    cdef Py_ssize_t groups = dw_groups.shape[0]
    cdef int F = w_aug.shape[0], K = w_aug.shape[1] - 1, P = out_height * out_width
    cdef bint direct = field_height == 1 and field_width == 1 and padding == 0 and stride == 1
    cdef Py_ssize_t g, n, first
    cdef floating* cols = NULL
    cdef floating* dcols = NULL
    cdef const floating* dout_image
    cdef floating beta
    with nogil, parallel(use_threads_if=use_threads):
        cols = <floating*> malloc((K + 1) * P * sizeof(floating))
        _set_bias_row(cols, K, P)
        dcols = NULL
        if not direct:
            dcols = <floating*> malloc(K * P * sizeof(floating))
        if cols == NULL or (dcols == NULL and not direct):
            status[0] = 1
        for g in prange(groups, schedule="dynamic"):
            if cols == NULL or (dcols == NULL and not direct):
                continue
            first = g * N // groups
            for n in range(first, (g + 1) * N // groups):
                dout_image = &dout[n, 0, 0]
                _im2col_image(&x[n, 0, 0, 0], cols, P, C, H, W, field_height, field_width,
                              padding, stride, out_height, out_width)
                beta = 0 if n == first else 1
                # dw_g (F, K+1) (+)= dout_n (F, P) @ [cols_n; ones]^T (P, K+1)
                _gemm(False, True, F, K + 1, P, dout_image, P, cols, P, beta,
                      &dw_groups[g, 0, 0], K + 1)
                if direct:  # 1x1 conv: dx_n (C, P) = w_rows^T (C, F) @ dout_n (F, P)
                    _gemm(True, False, K, P, F, &w_aug[0, 0], K + 1, dout_image, P, 0,
                          &dx[n, 0, 0, 0], P)
                else:  # dcols_n (K, P) = w_rows^T (K, F) @ dout_n (F, P), then col2im
                    _gemm(True, False, K, P, F, &w_aug[0, 0], K + 1, dout_image, P, 0, dcols, P)
                    memset(&dx[n, 0, 0, 0], 0, C * H * W * sizeof(floating))
                    _col2im_image_scratch(dcols, P, &dx[n, 0, 0, 0], C, H, W, field_height,
                                          field_width, padding, stride, out_height, out_width)
        free(cols)
        free(dcols)


def _max_pool_forward_kernel(const floating[:, :, :, ::1] x, floating[:, :, :, ::1] out,
                             int32_t[:, :, :, ::1] argmax, Py_ssize_t pool_height,
                             Py_ssize_t pool_width, Py_ssize_t stride, bint use_threads):
    """out[n, c, h, w] = max of the window; argmax = its flat index h_in * W + w_in.

    Ties go to the first maximum in row-major window order, a NaN wins (like np.argmax).
    """
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3]
    cdef Py_ssize_t out_height = out.shape[2], out_width = out.shape[3]
    cdef Py_ssize_t plane, h, w, i, j, top, best_index, index
    cdef const floating* x_plane
    cdef floating* out_plane
    cdef int32_t* argmax_plane
    cdef floating best, value
    with nogil:
        for plane in prange(N * C, schedule="static", use_threads_if=use_threads):
            x_plane = &x[plane // C, plane % C, 0, 0]
            out_plane = &out[plane // C, plane % C, 0, 0]
            argmax_plane = &argmax[plane // C, plane % C, 0, 0]
            for h in range(out_height):
                top = h * stride
                for w in range(out_width):
                    best_index = top * W + w * stride
                    best = x_plane[best_index]
                    for i in range(pool_height):
                        for j in range(pool_width):
                            index = (top + i) * W + w * stride + j
                            value = x_plane[index]
                            if value > best or (value != value and best == best):
                                best = value
                                best_index = index
                    out_plane[h * out_width + w] = best
                    argmax_plane[h * out_width + w] = <int32_t> best_index


def _max_pool_backward_kernel(const floating[:, :, :, ::1] dout,
                              const int32_t[:, :, :, ::1] argmax, floating[:, :, :, ::1] dx,
                              bint use_threads, int[::1] status):
    """dx[n, c] = 0, then dx[n, c].flat[argmax[n, c, h, w]] += dout[n, c, h, w].

    Serial inside each (n, c) plane, so overlapping windows accumulate correctly. An index
    outside the plane is skipped and reported through status[0].
    """
    cdef Py_ssize_t N = dx.shape[0], C = dx.shape[1], plane_size = dx.shape[2] * dx.shape[3]
    cdef Py_ssize_t outputs = dout.shape[2] * dout.shape[3]
    cdef Py_ssize_t plane, k, index
    cdef const floating* dout_plane
    cdef const int32_t* argmax_plane
    cdef floating* dx_plane
    with nogil:
        for plane in prange(N * C, schedule="static", use_threads_if=use_threads):
            dout_plane = &dout[plane // C, plane % C, 0, 0]
            argmax_plane = &argmax[plane // C, plane % C, 0, 0]
            dx_plane = &dx[plane // C, plane % C, 0, 0]
            memset(dx_plane, 0, plane_size * sizeof(floating))
            for k in range(outputs):
                index = argmax_plane[k]
                if index < 0 or index >= plane_size:
                    status[0] = 1
                else:
                    dx_plane[index] += dout_plane[k]


# ----------------------------------------------------------------------------------------------
# Public API
# ----------------------------------------------------------------------------------------------
def im2col_cython(x, field_height, field_width, padding, stride):
    """Gather every receptive field of x into one column.

    Inputs:
    - x: input of shape (N, C, H, W), float32 or float64
    - field_height, field_width: window size HH, WW (any sizes, need not be equal)
    - padding: zero padding on every side (>= 0)
    - stride: window step (>= 1); (H + 2*padding - HH) and (W + 2*padding - WW) must be
      divisible by it

    Returns cols of shape (C*HH*WW, N*Ho*Wo) and x's dtype, in the layout of the module
    docstring.
    """
    caller = "im2col_cython"
    x = _as_float_array(x, "x", 4, caller)
    N, C, H, W = x.shape
    out_height, out_width = conv_output_shape(
        H, W, field_height, field_width, padding, stride, caller=caller
    )
    cols = np.empty((C * field_height * field_width, N * out_height * out_width), dtype=x.dtype)
    use_threads = N > 1 and cols.size >= THREAD_MIN_ELEMENTS
    _im2col_kernel(x, cols, field_height, field_width, padding, stride, out_height, out_width,
                   use_threads)
    return cols


def col2im_cython(cols, N, C, H, W, field_height, field_width, padding, stride):
    """Adjoint of im2col_cython: scatter-add columns back into an image batch.

    Overlapping windows accumulate, so this is the gradient of im2col.

    Inputs:
    - cols: array of shape (C*HH*WW, N*Ho*Wo), float32 or float64
    - N, C, H, W: shape of the image batch to rebuild
    - field_height, field_width, padding, stride: the geometry cols was built with

    Returns x of shape (N, C, H, W) and cols' dtype.
    """
    caller = "col2im_cython"
    cols = _as_float_array(cols, "cols", 2, caller)
    N, C = _check_positive_sizes((N, C), ("N", "C"), caller)
    out_height, out_width = conv_output_shape(
        H, W, field_height, field_width, padding, stride, caller=caller
    )
    expected = (C * field_height * field_width, N * out_height * out_width)
    if cols.shape != expected:
        raise ValueError(
            f"{caller}: cols must have shape (C*HH*WW, N*Ho*Wo) = {expected} for "
            f"(N, C, H, W) = {(N, C, H, W)}, got {cols.shape}"
        )
    x = np.empty((N, C, H, W), dtype=cols.dtype)  # every image is zeroed by the kernel
    use_threads = N > 1 and cols.size >= THREAD_MIN_ELEMENTS
    _col2im_kernel(cols, x, field_height, field_width, padding, stride, out_height, out_width,
                   use_threads)
    return x


def _conv_geometry(x, w, padding, stride, caller):
    """(Ho, Wo) of a convolution after checking shapes and the 32-bit BLAS size limit."""
    N, C, H, W = x.shape
    F, w_channels, field_height, field_width = w.shape
    if w_channels != C:
        raise ValueError(
            f"{caller}: w has {w_channels} input channels (w.shape={w.shape}) but x has C={C} "
            f"(x.shape={x.shape})"
        )
    out_height, out_width = conv_output_shape(
        H, W, field_height, field_width, padding, stride, caller=caller
    )
    if max(F, C * field_height * field_width, out_height * out_width) > MAX_BLAS_DIM:
        raise ValueError(f"{caller}: a GEMM dimension exceeds BLAS's 32-bit limit")
    return out_height, out_width


def _weights_with_bias_column(w, b):
    """[w_rows | b]: the filters as rows (F, C*HH*WW) with the biases appended as a column."""
    F = w.shape[0]
    w_aug = np.empty((F, w[0].size + 1), dtype=w.dtype)
    w_aug[:, :-1] = w.reshape(F, -1)  # (F, C, HH, WW) -> (F, C*HH*WW)
    w_aug[:, -1] = b
    return w_aug


def _conv_use_threads(x_shape, w_shape, out_height, out_width):
    """Whether a conv is big enough for threads and BLAS can be held to one thread."""
    N = x_shape[0]
    macs = N * int(np.prod(w_shape)) * out_height * out_width
    return N > 1 and macs >= THREAD_MIN_MACS and BLAS_THREAD_PIN.available


def conv_forward_cython(x, w, b, padding, stride):
    """Convolution forward pass, image by image (im2col in cache + one GEMM per image).

    Inputs:
    - x: input of shape (N, C, H, W), float32 or float64
    - w: filters of shape (F, C, HH, WW), cast to x's dtype
    - b: biases of shape (F,), cast to x's dtype
    - padding: zero padding on every side (>= 0)
    - stride: window step (>= 1); (H + 2*padding - HH) and (W + 2*padding - WW) must be
      divisible by it

    Returns out of shape (N, F, Ho, Wo) and x's dtype.
    """
    caller = "conv_forward_cython"
    x = _as_float_array(x, "x", 4, caller)
    w = _as_float_array(w, "w", 4, caller, dtype=x.dtype)
    b = _as_float_array(b, "b", 1, caller, dtype=x.dtype)
    N = x.shape[0]
    F, _, field_height, field_width = w.shape
    if b.shape != (F,):
        raise ValueError(f"{caller}: b must have shape (F,) = ({F},), got {b.shape}")
    out_height, out_width = _conv_geometry(x, w, padding, stride, caller)
    w_aug = _weights_with_bias_column(w, b)  # (F, C*HH*WW + 1)
    out = np.empty((N, F, out_height, out_width), dtype=x.dtype)
    out_rows = out.reshape(N, F, -1)  # (N, F, Ho, Wo) -> (N, F, Ho*Wo), a view
    status = np.zeros(1, dtype=np.intc)
    with BLAS_THREAD_PIN:
        _conv_forward_kernel(
            x, w_aug, out_rows, field_height, field_width, padding, stride,
            out_height, out_width, _conv_use_threads(x.shape, w.shape, out_height, out_width),
            status,
        )
    _raise_if_failed(status, caller)
    return out


def conv_backward_cython(dout, x, w, padding, stride):
    """Convolution backward pass, image by image (the columns are rebuilt in cache).

    Inputs:
    - dout: upstream derivatives of shape (N, F, Ho, Wo)
    - x: the forward input, shape (N, C, H, W), float32 or float64 (dout and w are cast to it)
    - w: filters of shape (F, C, HH, WW)
    - padding, stride: as in the forward pass

    Returns a tuple of:
    - dx: gradient with respect to x, shape (N, C, H, W)
    - dw: gradient with respect to w, shape (F, C, HH, WW)
    - db: gradient with respect to b, shape (F,)
    """
    caller = "conv_backward_cython"
    x = _as_float_array(x, "x", 4, caller)
    w = _as_float_array(w, "w", 4, caller, dtype=x.dtype)
    dout = _as_float_array(dout, "dout", 4, caller, dtype=x.dtype)
    N = x.shape[0]
    F, _, field_height, field_width = w.shape
    out_height, out_width = _conv_geometry(x, w, padding, stride, caller)
    if dout.shape != (N, F, out_height, out_width):
        raise ValueError(
            f"{caller}: dout must have shape (N, F, Ho, Wo) = {(N, F, out_height, out_width)}, "
            f"got {dout.shape}"
        )
    w_aug = _weights_with_bias_column(w, np.zeros(F, dtype=x.dtype))  # (F, C*HH*WW + 1)
    dout_rows = dout.reshape(N, F, -1)  # (N, F, Ho, Wo) -> (N, F, Ho*Wo)
    groups = min(N, MAX_GRADIENT_GROUPS)
    dx = np.empty(x.shape, dtype=x.dtype)  # every image is written by the kernel
    dw_groups = np.empty((groups, *w_aug.shape), dtype=x.dtype)  # (G, F, C*HH*WW + 1)
    status = np.zeros(1, dtype=np.intc)
    with BLAS_THREAD_PIN:
        _conv_backward_kernel(
            dout_rows, x, w_aug, dx, dw_groups, field_height, field_width,
            padding, stride, out_height, out_width,
            _conv_use_threads(x.shape, w.shape, out_height, out_width), status,
        )
    _raise_if_failed(status, caller)
    dw_aug = dw_groups.sum(axis=0)  # (G, F, C*HH*WW + 1) -> (F, C*HH*WW + 1), groups in order
    dw = dw_aug[:, :-1].reshape(w.shape)  # (F, C*HH*WW) -> (F, C, HH, WW)
    db = dw_aug[:, -1].copy()  # (F,): the bias row of ones summed dout
    return dx, dw, db


def max_pool_forward_cython(x, pool_height, pool_width, stride):
    """Max pooling with any window size and stride (windows may overlap).

    Inputs:
    - x: input of shape (N, C, H, W), float32 or float64
    - pool_height, pool_width: window size
    - stride: window step; Ho = (H - pool_height) // stride + 1 (same for Wo). Rows/columns that
      no window reaches are ignored; callers that need exact tiling check it themselves.

    Returns a tuple of:
    - out: maxima of shape (N, C, Ho, Wo), x's dtype
    - argmax: int32 array (N, C, Ho, Wo), flat index h_in * W + w_in of each maximum inside its
      (H, W) plane (the first maximum in row-major window order, as np.argmax picks)
    """
    caller = "max_pool_forward_cython"
    x = _as_float_array(x, "x", 4, caller)
    N, C, H, W = x.shape
    out_height, out_width = _pool_output_size(H, W, pool_height, pool_width, stride, caller)
    if H * W > np.iinfo(np.int32).max:
        raise ValueError(f"{caller}: H*W = {H * W} does not fit the int32 argmax indices")
    out = np.empty((N, C, out_height, out_width), dtype=x.dtype)
    argmax = np.empty((N, C, out_height, out_width), dtype=np.int32)
    use_threads = N * C > 1 and x.size >= THREAD_MIN_ELEMENTS
    _max_pool_forward_kernel(x, out, argmax, pool_height, pool_width, stride, use_threads)
    return out, argmax


def max_pool_backward_cython(dout, argmax, x_shape):
    """Route each upstream gradient to the input position that won its window.

    Correct for overlapping windows: an input that wins several windows gets the sum.

    Inputs:
    - dout: upstream gradient of shape (N, C, Ho, Wo), float32 or float64
    - argmax: integer array (N, C, Ho, Wo) from max_pool_forward_cython
    - x_shape: (N, C, H, W) of the pooled input

    Returns dx of shape (N, C, H, W) and dout's dtype.
    """
    caller = "max_pool_backward_cython"
    dout = _as_float_array(dout, "dout", 4, caller)
    argmax = np.asarray(argmax)
    if argmax.dtype.kind not in "iu":
        raise TypeError(f"{caller}: argmax must be an integer array, got dtype {argmax.dtype}")
    if len(x_shape) != 4:
        raise ValueError(f"{caller}: x_shape must be (N, C, H, W), got {tuple(x_shape)}")
    N, C, H, W = _check_positive_sizes(x_shape, ("N", "C", "H", "W"), caller)
    if argmax.shape != dout.shape or dout.shape[:2] != (N, C):
        raise ValueError(
            f"{caller}: dout {dout.shape} and argmax {argmax.shape} must both have shape "
            f"(N, C, Ho, Wo) with (N, C) = {(N, C)} from x_shape"
        )
    if argmax.dtype != np.int32:  # indices that do not fit int32 are out of range anyway
        argmax = np.clip(argmax, -1, H * W).astype(np.int32)
    argmax = np.ascontiguousarray(argmax)
    dx = np.empty((N, C, H, W), dtype=dout.dtype)  # every plane is zeroed by the kernel
    status = np.zeros(1, dtype=np.intc)
    use_threads = N * C > 1 and dx.size >= THREAD_MIN_ELEMENTS
    _max_pool_backward_kernel(dout, argmax, dx, use_threads, status)
    if status[0] != 0:
        raise ValueError(
            f"{caller}: argmax holds indices outside [0, H*W) = [0, {H * W}); "
            "it must come from max_pool_forward_cython on an input of shape x_shape"
        )
    return dx
