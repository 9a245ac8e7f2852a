//! [`lock`]: the one way oxscript takes a `std::sync::Mutex`.

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Locks `mutex`, also when a thread panicked while holding it.
///
/// oxscript's mutexes guard small tables (job states, pools, logs) whose
/// every update is complete before the lock is released, so the data of a
/// poisoned mutex is still consistent: one panicking job must not wedge
/// every other job, session or pool that shares the table.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use oxscript_core::sync::lock;
///
/// let counter = Arc::new(Mutex::new(1));
/// let shared = Arc::clone(&counter);
/// let _ = std::thread::spawn(move || {
///     let _guard = shared.lock();
///     panic!("a job panics while holding the lock");
/// })
/// .join();
/// assert!(counter.is_poisoned());
/// *lock(&counter) += 1; // still usable
/// assert_eq!(*lock(&counter), 2);
/// ```
pub fn lock<T: ?Sized>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
