// WRONG: makes the value outside get_or_init (`let v = init(); cell.get_or_init(|| v)`), so a caller that comes mid-init makes one too
use std::sync::OnceLock;

#[derive(Debug)]
pub struct Lazy<T> {
    cell: OnceLock<T>,
}

impl<T> Lazy<T> {
    pub const fn new() -> Self {
        Lazy {
            cell: OnceLock::new(),
        }
    }

    pub fn get_or_init(&self, init: impl FnOnce() -> T) -> &T {
        if let Some(value) = self.cell.get() {
            return value;
        }
        let value = init();
        self.cell.get_or_init(|| value)
    }
}

fn main() {}
