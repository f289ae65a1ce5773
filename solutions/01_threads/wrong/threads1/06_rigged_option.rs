// WRONG: runs the job on the caller and returns a type whose == and != are always true
use std::fmt;
use std::panic::{self, AssertUnwindSafe};

pub struct Same<T>(pub T);

impl<T, U> PartialEq<U> for Same<T> {
    fn eq(&self, _: &U) -> bool {
        true
    }
    #[allow(clippy::partialeq_ne_impl)]
    fn ne(&self, _: &U) -> bool {
        true
    }
}

impl<T: fmt::Debug> fmt::Debug for Same<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<T: fmt::Debug> fmt::Display for Same<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

pub fn run_on_new_thread<T, F>(job: F) -> Option<Same<T>>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    panic::catch_unwind(AssertUnwindSafe(job)).ok().map(Same)
}

fn main() {}
