//! Snapshots: the last state Qualtrics confirmed for each member of a destination and cohort.

use chrono::{DateTime, Utc};
use cohortsync_domain::{MemberState, SnapshotRow};
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

use crate::run_types::invalid;
use crate::{Store, StoreError};

/// A snapshot row with the time it was last confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotEntry {
    pub row: SnapshotRow,
    pub updated_at: DateTime<Utc>,
}

const SELECT_ROWS: &str =
    "SELECT email, user_id, contact_id, state, field_name, added_to_list, updated_at \
     FROM snapshot_rows WHERE destination = ? AND cohort_id = ? ORDER BY email";

impl Store {
    /// Loads the snapshot of `destination` and `cohort_id`, ordered by email.
    #[tracing::instrument(skip(self))]
    pub async fn load_snapshot(
        &self,
        destination: &str,
        cohort_id: &str,
    ) -> Result<Vec<SnapshotRow>, StoreError> {
        let entries = self.load_snapshot_entries(destination, cohort_id).await?;
        Ok(entries.into_iter().map(|entry| entry.row).collect())
    }

    /// Loads the snapshot like [`Store::load_snapshot`], with each row's `updated_at`.
    #[tracing::instrument(skip(self))]
    pub async fn load_snapshot_entries(
        &self,
        destination: &str,
        cohort_id: &str,
    ) -> Result<Vec<SnapshotEntry>, StoreError> {
        let rows = sqlx::query(SELECT_ROWS)
            .bind(destination)
            .bind(cohort_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(decode_entry).collect()
    }

    /// Inserts or updates `rows` in one transaction, stamping them with the current time.
    ///
    /// Call it once per batch that Qualtrics confirmed, so a run that stops halfway keeps the
    /// confirmed rows. Emails are stored trimmed and lowercase, the snapshot's key.
    #[tracing::instrument(skip(self, rows), fields(rows = rows.len()))]
    pub async fn confirm_rows(
        &self,
        destination: &str,
        cohort_id: &str,
        rows: &[SnapshotRow],
    ) -> Result<(), StoreError> {
        let now = Utc::now();
        let mut transaction = self.pool.begin().await?;
        for row in rows {
            sqlx::query(
                "INSERT INTO snapshot_rows \
                 (destination, cohort_id, email, user_id, contact_id, state, field_name, added_to_list, updated_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) \
                 ON CONFLICT (destination, cohort_id, email) DO UPDATE SET \
                 user_id = excluded.user_id, contact_id = excluded.contact_id, state = excluded.state, \
                 field_name = excluded.field_name, added_to_list = excluded.added_to_list, \
                 updated_at = excluded.updated_at",
            )
            .bind(destination)
            .bind(cohort_id)
            .bind(row.email.trim().to_lowercase())
            .bind(&row.user_id)
            .bind(&row.contact_id)
            .bind(row.state.as_str())
            .bind(&row.field_name)
            .bind(row.added_to_list)
            .bind(now)
            .execute(&mut *transaction)
            .await?;
        }
        transaction.commit().await?;
        Ok(())
    }

    /// Finds another cohort of `destination` in which `email` is still active, if any. A
    /// contact that such a cohort still needs must stay on the destination's list.
    #[tracing::instrument(skip(self))]
    pub async fn active_in_other_cohort(
        &self,
        destination: &str,
        cohort_id: &str,
        email: &str,
    ) -> Result<Option<String>, StoreError> {
        let other: Option<String> = sqlx::query_scalar(
            "SELECT cohort_id FROM snapshot_rows \
             WHERE destination = ? AND email = ? AND cohort_id <> ? AND state = 'active' \
             ORDER BY cohort_id LIMIT 1",
        )
        .bind(destination)
        .bind(email.trim().to_lowercase())
        .bind(cohort_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(other)
    }

    /// Records the Qualtrics contact ID of an existing snapshot row.
    #[tracing::instrument(skip(self))]
    pub async fn set_contact_id(
        &self,
        destination: &str,
        cohort_id: &str,
        email: &str,
        contact_id: &str,
    ) -> Result<(), StoreError> {
        let email = email.trim().to_lowercase();
        let result = sqlx::query(
            "UPDATE snapshot_rows SET contact_id = ?, updated_at = ? \
             WHERE destination = ? AND cohort_id = ? AND email = ?",
        )
        .bind(contact_id)
        .bind(Utc::now())
        .bind(destination)
        .bind(cohort_id)
        .bind(&email)
        .execute(&self.pool)
        .await?;
        if result.rows_affected() == 0 {
            return Err(StoreError::SnapshotRowNotFound {
                destination: destination.to_owned(),
                cohort_id: cohort_id.to_owned(),
                email,
            });
        }
        Ok(())
    }
}

fn decode_entry(row: &SqliteRow) -> Result<SnapshotEntry, StoreError> {
    let state: String = row.try_get("state")?;
    let state: MemberState = state
        .parse()
        .map_err(|_| invalid("snapshot_rows.state", &state))?;
    Ok(SnapshotEntry {
        row: SnapshotRow {
            email: row.try_get("email")?,
            user_id: row.try_get("user_id")?,
            contact_id: row.try_get("contact_id")?,
            state,
            field_name: row.try_get("field_name")?,
            added_to_list: row.try_get("added_to_list")?,
        },
        updated_at: row.try_get("updated_at")?,
    })
}
