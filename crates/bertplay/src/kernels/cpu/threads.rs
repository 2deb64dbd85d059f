//! Work split over the CPU's cores natively (rayon, feature `threads`); one after the other in
//! the browser, where wasm has no threads in this build.

/// How many tasks run at once.
pub fn count() -> usize {
    #[cfg(feature = "threads")]
    {
        rayon::current_num_threads()
    }
    #[cfg(not(feature = "threads"))]
    {
        1
    }
}

/// Runs `task(i)` for every `i` in `0..n`, spread over the threads when there are several.
pub fn for_each(n: usize, task: impl Fn(usize) + Sync + Send) {
    #[cfg(feature = "threads")]
    if n > 1 && count() > 1 {
        use rayon::prelude::*;
        (0..n).into_par_iter().for_each(task);
        return;
    }
    (0..n).for_each(task);
}

/// A raw pointer that tasks writing to disjoint parts of one buffer may share.
#[derive(Clone, Copy)]
pub struct SharedMut(pub *mut f32);

impl SharedMut {
    /// The pointer (a method, so closures capture the whole `Send + Sync` wrapper).
    pub fn get(self) -> *mut f32 {
        self.0
    }
}

// SAFETY: every user writes through it to ranges no other task touches.
unsafe impl Send for SharedMut {}
unsafe impl Sync for SharedMut {}
