use super::support::within;
use exercise::mean;
use std::sync::Mutex;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(2);
const HANGS: &str = "mean did not return";

// A fixed, irregular set of readings (a simple pseudo-random sequence).
fn readings(n: usize) -> Vec<f64> {
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    (0..n)
        .map(|_| {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (state >> 40) as f64 / 1000.0
        })
        .collect()
}

fn exact_mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

fn close(got: f64, want: f64) -> bool {
    (got - want).abs() <= 1e-9 * want.abs().max(1.0)
}

fn mean_in_pool(threads: usize, values: Vec<f64>) -> Option<f64> {
    within(LIMIT, HANGS, move || {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| mean(&values, |v| *v))
    })
}

#[test]
fn mean_of_a_few_values() {
    let (three, one, none) = within(LIMIT, HANGS, || {
        (mean(&[1.0, 2.0, 3.0], |v| *v), mean(&[4.5], |v| *v), mean(&[] as &[f64], |v| *v))
    });
    assert_eq!(one, Some(4.5), "the mean of the single value 4.5 is 4.5");
    assert_eq!(none, None, "there is no mean of no values: mean(&[], ..) should be None");
    let three = three.expect("mean of [1.0, 2.0, 3.0] returned None");
    assert!(
        close(three, 2.0),
        "the mean of [1.0, 2.0, 3.0] is 2, mean returned {three}: halving at every combining step \
         weighs the values unevenly (averaging two averages is not associative)"
    );
}

#[test]
fn same_mean_however_rayon_splits_the_work() {
    let values = readings(1000);
    let want = exact_mean(&values);
    for threads in [8, 3, 1] {
        let got = mean_in_pool(threads, values.clone()).expect("mean of 1000 values returned None");
        assert!(
            close(got, want),
            "in a pool of {threads} rayon threads, the mean of 1000 values came out as {got}, \
             but it is {want}: the partial results are combined in a way that depends on how rayon \
             splits the work. Combine with an associative operation (sums and counts) and divide \
             once at the end"
        );
    }
}

#[test]
fn values_are_read_on_rayon_threads_once_each() {
    // Called from the test's own thread, outside any rayon pool.
    let (got, mut seen) = within(LIMIT, HANGS, || {
        let values = readings(200);
        let seen = Mutex::new(Vec::new());
        let got = mean(&values, |v| {
            seen.lock().unwrap().push((v.to_bits(), rayon::current_thread_index()));
            *v
        });
        (got, seen.into_inner().unwrap())
    });
    let outside = seen.iter().filter(|(_, index)| index.is_none()).count();
    assert_eq!(
        outside,
        0,
        "{outside} of {} values were read outside rayon's thread pool \
         (rayon::current_thread_index() was None): use par_iter(), not iter()",
        seen.len()
    );
    seen.sort();
    let mut want: Vec<u64> = readings(200).iter().map(|v| v.to_bits()).collect();
    want.sort();
    let seen: Vec<u64> = seen.into_iter().map(|(bits, _)| bits).collect();
    assert!(seen == want, "value should be called exactly once per item; it was called {} times for 200 items", seen.len());
    let got = got.expect("mean of 200 values returned None");
    let exact = exact_mean(&readings(200));
    assert!(close(got, exact), "the mean of 200 values is {exact}, mean returned {got}");
}
