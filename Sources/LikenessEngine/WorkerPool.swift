import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

// MARK: - ParallelWork

/// Work that can be cut into `parts` independent pieces run on different threads.
///
/// `run(part:of:)` must only touch memory that belongs to its part (plus read-only shared data).
class ParallelWork {
    func run(part: Int, of parts: Int) {}
}

// MARK: - WorkerPool

/// A fixed set of worker threads that run one ``ParallelWork`` at a time, allocation-free.
///
/// The calling thread runs part 0 and `threadCount - 1` workers run the rest. Workers spin
/// briefly between jobs (the layers of one frame follow each other within microseconds),
/// then sleep on a condition variable. Dispatching a job allocates nothing.
final class WorkerPool: @unchecked Sendable {
    /// Total threads including the caller.
    let threadCount: Int

    private let generation = Atomic<Int>(0)
    private let remaining = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private let exited = Atomic<Int>(0)
    private var job: ParallelWork?
    private var parts = 1
    private let threadIDs: UnsafeMutablePointer<pthread_t>
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    /// Spin iterations before a worker sleeps (a few tens of microseconds).
    private let spinLimit = 20_000

    init(threadCount: Int) {
        self.threadCount = max(1, threadCount)
        threadIDs = .allocate(capacity: self.threadCount)
        threadIDs.initialize(repeating: 0, count: self.threadCount)
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&condition, nil)
        for index in 1..<self.threadCount {
            let thread = Thread { [unowned self] in self.workerLoop(index: index) }
            thread.name = "likeness-engine-\(index)"
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    /// Stops the workers; call before the pool goes away.
    func stop() {
        guard threadCount > 1, !stopping.load(ordering: .acquiring) else { return }
        pthread_mutex_lock(&mutex)
        stopping.store(true, ordering: .releasing)
        generation.add(1, ordering: .releasing)
        pthread_cond_broadcast(&condition)
        pthread_mutex_unlock(&mutex)
        while exited.load(ordering: .acquiring) < threadCount - 1 { sched_yield() }
    }

    /// The workers' pthread ids (for tests that watch allocations on every engine thread).
    var workerThreadIDs: [pthread_t] {
        (1..<threadCount).map { i in
            while threadIDs[i] == 0 { sched_yield() }
            return threadIDs[i]
        }
    }

    deinit {
        threadIDs.deallocate()
        pthread_mutex_destroy(&mutex)
        pthread_cond_destroy(&condition)
    }

    /// Runs `work` split into `threadCount` parts and returns when all are done.
    func run(_ work: ParallelWork) {
        if threadCount == 1 {
            work.run(part: 0, of: 1)
            return
        }
        job = work
        parts = threadCount
        remaining.store(threadCount - 1, ordering: .releasing)
        pthread_mutex_lock(&mutex)
        generation.add(1, ordering: .releasing)
        pthread_cond_broadcast(&condition)
        pthread_mutex_unlock(&mutex)
        work.run(part: 0, of: threadCount)
        var spins = 0
        while remaining.load(ordering: .acquiring) > 0 {
            spins += 1
            if spins > 1000 { sched_yield() }
        }
        job = nil
    }

    private func workerLoop(index: Int) {
        threadIDs[index] = pthread_self()
        var seen = 0
        while true {
            var spins = 0
            while generation.load(ordering: .acquiring) == seen && spins < spinLimit { spins += 1 }
            if generation.load(ordering: .acquiring) == seen {
                pthread_mutex_lock(&mutex)
                while generation.load(ordering: .acquiring) == seen { pthread_cond_wait(&condition, &mutex) }
                pthread_mutex_unlock(&mutex)
            }
            seen = generation.load(ordering: .acquiring)
            if stopping.load(ordering: .acquiring) { break }
            if let work = job { work.run(part: index, of: parts) }
            remaining.subtract(1, ordering: .releasing)
        }
        exited.add(1, ordering: .releasing)
    }
}
