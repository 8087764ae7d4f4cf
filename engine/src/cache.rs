//! Redis: versioned keys, counters and locks. Keys are prefixed `v1:` so a format change can
//! move to `v2:` without reading stale values.

use redis::aio::ConnectionManager;

#[derive(Clone)]
pub struct Redis {
    pub conn: ConnectionManager,
    /// Prepended to every key: lets tests share one Redis without seeing each other's keys.
    pub namespace: String,
}

impl Redis {
    pub async fn connect(url: &str, namespace: impl Into<String>) -> anyhow::Result<Self> {
        let client = redis::Client::open(url)?;
        let conn = tokio::time::timeout(std::time::Duration::from_secs(5), ConnectionManager::new(client))
            .await
            .map_err(|_| anyhow::anyhow!("timed out connecting to Redis at {url}"))??;
        Ok(Self { conn, namespace: namespace.into() })
    }

    pub fn key(&self, rest: &str) -> String {
        format!("{}v1:{rest}", self.namespace)
    }

    pub async fn ping(&self) -> redis::RedisResult<()> {
        let mut c = self.conn.clone();
        redis::cmd("PING").query_async::<String>(&mut c).await.map(|_| ())
    }
}
