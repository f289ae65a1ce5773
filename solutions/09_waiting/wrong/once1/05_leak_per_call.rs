// WRONG: makes a fresh value on every call and leaks it: init runs every time, values differ, nothing is dropped
use std::marker::PhantomData;

#[derive(Debug)]
pub struct Lazy<T> {
    kind: PhantomData<T>,
}

impl<T> Lazy<T> {
    pub const fn new() -> Self {
        Lazy { kind: PhantomData }
    }

    pub fn get_or_init(&self, init: impl FnOnce() -> T) -> &T {
        Box::leak(Box::new(init()))
    }
}

fn main() {}
