//! The ledger of Amplitude cohort downloads, counted per project and calendar month.

use sqlx::Row;

use crate::{Store, StoreError};

impl Store {
    /// Counts one more download for `project_key` in `month` unless `budget` is used up.
    ///
    /// Returns the month's count including this download, or [`StoreError::QuotaExceeded`]
    /// without counting. A single SQL statement checks and increments, so concurrent callers
    /// never exceed the budget. `project_key` identifies the project (e.g. a hash or the API
    /// key's name) and must never be the secret itself. `month` is `YYYY-MM`.
    #[tracing::instrument(skip(self))]
    pub async fn reserve_download(
        &self,
        project_key: &str,
        month: &str,
        budget: u32,
    ) -> Result<u32, StoreError> {
        validate_month(month)?;
        if budget > 0 {
            let reserved: Option<i64> = sqlx::query_scalar(
                "INSERT INTO download_ledger (project_key, month, downloads) VALUES (?, ?, 1) \
                 ON CONFLICT (project_key, month) DO UPDATE \
                 SET downloads = download_ledger.downloads + 1 \
                 WHERE download_ledger.downloads < ? \
                 RETURNING downloads",
            )
            .bind(project_key)
            .bind(month)
            .bind(i64::from(budget))
            .fetch_optional(&self.pool)
            .await?;
            if let Some(count) = reserved {
                return Ok(clamp_u32(count));
            }
        }

        let used = self.downloads_in_month(project_key, month).await?;
        tracing::warn!(used, budget, "Amplitude download budget reached");
        Err(StoreError::QuotaExceeded { used, budget })
    }

    /// Returns how many downloads `project_key` has counted in `month` (`YYYY-MM`).
    pub async fn downloads_in_month(
        &self,
        project_key: &str,
        month: &str,
    ) -> Result<u32, StoreError> {
        validate_month(month)?;
        let row = sqlx::query(
            "SELECT downloads FROM download_ledger WHERE project_key = ? AND month = ?",
        )
        .bind(project_key)
        .bind(month)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            None => Ok(0),
            Some(row) => Ok(clamp_u32(row.try_get("downloads")?)),
        }
    }
}

fn clamp_u32(value: i64) -> u32 {
    u32::try_from(value.max(0)).unwrap_or(u32::MAX)
}

/// Accepts `YYYY-MM` with a month from 01 to 12.
fn validate_month(month: &str) -> Result<(), StoreError> {
    let bytes = month.as_bytes();
    let digits = |range: std::ops::Range<usize>| bytes[range].iter().all(u8::is_ascii_digit);
    let valid = bytes.len() == 7
        && bytes[4] == b'-'
        && digits(0..4)
        && digits(5..7)
        && (1..=12).contains(&month[5..7].parse::<u8>().unwrap_or(0));
    if valid {
        Ok(())
    } else {
        Err(StoreError::InvalidMonth {
            month: month.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::validate_month;

    #[test]
    fn validate_month_table() {
        for month in ["2026-01", "2026-12", "1999-09"] {
            assert!(validate_month(month).is_ok(), "{month}");
        }
        for month in [
            "2026-13",
            "2026-00",
            "2026-1",
            "26-12",
            "2026/12",
            "2026-12-01",
            "",
            "２０２６-12",
        ] {
            assert!(validate_month(month).is_err(), "{month}");
        }
    }
}
