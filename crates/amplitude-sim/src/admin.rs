//! The `/_sim` control routes a running simulator binary offers to scripts and demos.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use crate::gate::{json_error, AppState};
use crate::seed::SeedMember;
use crate::state::ControlError;

/// Body of the members route: either the bare array or `{"members": [...]}`.
#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum MembersBody {
    Bare(Vec<SeedMember>),
    Wrapped { members: Vec<SeedMember> },
}

/// `PUT /_sim/projects/{api_key}/cohorts/{cohort_id}/members`: replaces a cohort's members.
pub(crate) async fn put_members(
    State(app): State<AppState>,
    Path((api_key, cohort_id)): Path<(String, String)>,
    Json(body): Json<MembersBody>,
) -> Response {
    let members = match body {
        MembersBody::Bare(members) | MembersBody::Wrapped { members } => members,
    };
    let size = members.len();
    match app.sim.set_members(&api_key, &cohort_id, members) {
        Ok(()) => Json(serde_json::json!({ "cohort_id": cohort_id, "size": size })).into_response(),
        Err(error @ (ControlError::UnknownProject(_) | ControlError::UnknownCohort { .. })) => {
            json_error(StatusCode::NOT_FOUND, error.to_string())
        }
    }
}

/// `POST /_sim/download-links/expire`: every download URL issued so far stops working.
pub(crate) async fn expire_download_links(State(app): State<AppState>) -> StatusCode {
    app.sim.expire_download_links();
    StatusCode::NO_CONTENT
}
