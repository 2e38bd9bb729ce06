import CBLAS

// MARK: - BLAS

/// Thin wrappers over OpenBLAS, row-major.
enum BLAS {
    /// `C[M, N] = alpha * op(A) op(B) + beta * C`, row-major with leading dimensions.
    @inline(__always)
    static func sgemm(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        if n == 1 && !transB {
            // A matrix-vector product (a 1x1 input or output): sgemv streams A once without packing it.
            cblas_sgemv(
                CblasRowMajor, transA ? CblasTrans : CblasNoTrans, blasint(transA ? k : m), blasint(transA ? m : k),
                alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
            return
        }
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    /// Sets OpenBLAS's own thread count (process-wide).
    static func setThreads(_ count: Int) { openblas_set_num_threads(Int32(count)) }
    static var threads: Int { Int(openblas_get_num_threads()) }
}
