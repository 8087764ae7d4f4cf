//! A per-provider circuit breaker: closed → open after N consecutive failures → half-open after
//! a cool-down (one probe call allowed) → closed on the probe's success, open again on its
//! failure.
//!
//! The breaker owns only its state machine. It is in-process (one per provider per server
//! process): a provider that is down is down for every workspace, and each process learning
//! that on its own costs at most N failed calls. The clock is injected so tests move time.

use super::ProviderError;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub trait Clock: Send + Sync {
    fn now(&self) -> Instant;
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// A clock that moves only when told to.
#[derive(Debug)]
pub struct ManualClock {
    start: Instant,
    offset: Mutex<Duration>,
}

impl ManualClock {
    pub fn new() -> Self {
        Self {
            start: Instant::now(),
            offset: Mutex::new(Duration::ZERO),
        }
    }
    pub fn advance(&self, by: Duration) {
        *self.offset.lock().expect("clock lock") += by;
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        self.start + *self.offset.lock().expect("clock lock")
    }
}

#[derive(Debug, Clone)]
pub struct BreakerConfig {
    /// Consecutive failures that open the circuit.
    pub failure_threshold: u32,
    /// How long the circuit stays open before one probe is let through.
    pub cool_down: Duration,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        Self {
            failure_threshold: 5,
            cool_down: Duration::from_secs(60),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    Closed,
    Open,
    HalfOpen,
}

#[derive(Debug)]
enum Inner {
    Closed { failures: u32 },
    Open { until: Instant },
    HalfOpen { probing: bool },
}

pub struct CircuitBreaker {
    config: BreakerConfig,
    clock: Arc<dyn Clock>,
    inner: Mutex<Inner>,
}

impl std::fmt::Debug for CircuitBreaker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CircuitBreaker")
            .field("config", &self.config)
            .field("state", &self.state())
            .finish()
    }
}

impl CircuitBreaker {
    pub fn new(config: BreakerConfig) -> Self {
        Self::with_clock(config, Arc::new(SystemClock))
    }

    pub fn with_clock(config: BreakerConfig, clock: Arc<dyn Clock>) -> Self {
        Self {
            config,
            clock,
            inner: Mutex::new(Inner::Closed { failures: 0 }),
        }
    }

    /// The state as a caller would experience it now (an expired open circuit reads half-open).
    pub fn state(&self) -> BreakerState {
        match &*self.inner.lock().expect("breaker lock") {
            Inner::Closed { .. } => BreakerState::Closed,
            Inner::Open { until } if self.clock.now() >= *until => BreakerState::HalfOpen,
            Inner::Open { .. } => BreakerState::Open,
            Inner::HalfOpen { .. } => BreakerState::HalfOpen,
        }
    }

    /// Asks to make a call. `Err(CircuitOpen)` while open, and while half-open with the one
    /// probe already out.
    pub fn acquire(&self) -> Result<Permit<'_>, ProviderError> {
        let mut inner = self.inner.lock().expect("breaker lock");
        match &*inner {
            Inner::Closed { .. } => Ok(Permit {
                breaker: self,
                probe: false,
                done: false,
            }),
            Inner::Open { until } => {
                if self.clock.now() >= *until {
                    *inner = Inner::HalfOpen { probing: true };
                    Ok(Permit {
                        breaker: self,
                        probe: true,
                        done: false,
                    })
                } else {
                    Err(ProviderError::CircuitOpen)
                }
            }
            Inner::HalfOpen { probing: true } => Err(ProviderError::CircuitOpen),
            Inner::HalfOpen { probing: false } => {
                *inner = Inner::HalfOpen { probing: true };
                Ok(Permit {
                    breaker: self,
                    probe: true,
                    done: false,
                })
            }
        }
    }

    /// Runs `call` through the breaker, recording its outcome.
    pub async fn call<T, Fut>(&self, call: impl FnOnce() -> Fut) -> Result<T, ProviderError>
    where
        Fut: Future<Output = Result<T, ProviderError>>,
    {
        let permit = self.acquire()?;
        let result = call().await;
        match &result {
            Err(e) if e.trips_breaker() => permit.failure(),
            _ => permit.success(),
        }
        result
    }

    fn record(&self, ok: bool) {
        let mut inner = self.inner.lock().expect("breaker lock");
        let next = match (&*inner, ok) {
            (_, true) => Inner::Closed { failures: 0 },
            (Inner::Closed { failures }, false) if failures + 1 < self.config.failure_threshold => {
                Inner::Closed { failures: failures + 1 }
            }
            (_, false) => {
                tracing::warn!(cool_down_s = self.config.cool_down.as_secs(), "circuit opened");
                Inner::Open {
                    until: self.clock.now() + self.config.cool_down,
                }
            }
        };
        *inner = next;
    }
}

/// Permission for one call. Report its outcome with [`Permit::success`] or
/// [`Permit::failure`]; a permit dropped unreported (the call was cancelled) frees the probe
/// slot without judging the provider.
pub struct Permit<'a> {
    breaker: &'a CircuitBreaker,
    probe: bool,
    done: bool,
}

impl Permit<'_> {
    pub fn success(mut self) {
        self.done = true;
        self.breaker.record(true);
    }
    pub fn failure(mut self) {
        self.done = true;
        self.breaker.record(false);
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if !self.done && self.probe {
            let mut inner = self.breaker.inner.lock().expect("breaker lock");
            if let Inner::HalfOpen { probing } = &mut *inner {
                *probing = false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker() -> (CircuitBreaker, Arc<ManualClock>) {
        let clock = Arc::new(ManualClock::new());
        let b = CircuitBreaker::with_clock(
            BreakerConfig {
                failure_threshold: 3,
                cool_down: Duration::from_secs(30),
            },
            clock.clone(),
        );
        (b, clock)
    }

    #[test]
    fn a_cancelled_probe_frees_the_half_open_slot() {
        let (b, clock) = breaker();
        for _ in 0..3 {
            b.acquire().unwrap().failure();
        }
        clock.advance(Duration::from_secs(30));
        let probe = b.acquire().unwrap();
        assert_eq!(b.acquire().err(), Some(ProviderError::CircuitOpen));
        drop(probe);
        assert!(b.acquire().is_ok());
    }

    #[test]
    fn a_success_resets_the_failure_count() {
        let (b, _) = breaker();
        b.acquire().unwrap().failure();
        b.acquire().unwrap().failure();
        b.acquire().unwrap().success();
        b.acquire().unwrap().failure();
        b.acquire().unwrap().failure();
        assert_eq!(b.state(), BreakerState::Closed);
    }
}
