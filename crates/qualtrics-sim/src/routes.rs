//! Route table: real Qualtrics paths mapped to handlers, and the endpoint names that faults,
//! counters and the request log use.

use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;

use crate::envelope::ApiError;
use crate::state::SharedState;
use crate::{contacts, directories, imports, oauth, search};

/// Every endpoint name the simulator reports.
pub const ENDPOINT_NAMES: &[&str] = &[
    "whoami",
    "token",
    "authorize",
    "list_directories",
    "list_mailing_lists",
    "get_mailing_list",
    "list_contacts",
    "create_contact",
    "get_list_contact",
    "update_list_contact",
    "remove_list_contact",
    "get_directory_contact",
    "update_directory_contact",
    "delete_directory_contact",
    "search_contacts",
    "start_import",
    "import_status",
    "import_report",
];

/// Largest body the server reads. It sits well above 5 MB, because the import handler
/// itself rejects bodies over 5 MB with 413 and the error envelope.
const BODY_READ_LIMIT_BYTES: usize = 64 * 1024 * 1024;

/// Prefix of every API path.
const API: &str = "/API/v3";

pub fn router(shared: SharedState) -> Router {
    // Routes carry the full path instead of a nested router, because handlers build
    // `nextPage` URLs from the request path and a nested router strips its prefix.
    let api = |path: &str| format!("{API}{path}");
    Router::new()
        .route(&api("/whoami"), get(directories::whoami))
        .route(&api("/directories"), get(directories::list_directories))
        .route(
            &api("/directories/{dir}/mailinglists"),
            get(directories::list_mailing_lists),
        )
        .route(
            &api("/directories/{dir}/mailinglists/{ml}"),
            get(directories::get_mailing_list),
        )
        .route(
            &api("/directories/{dir}/mailinglists/{ml}/contacts"),
            get(contacts::list_contacts).post(contacts::create_contact),
        )
        .route(
            &api("/directories/{dir}/mailinglists/{ml}/contacts/{cid}"),
            get(contacts::get_list_contact)
                .put(contacts::update_list_contact)
                .delete(contacts::remove_list_contact),
        )
        .route(
            &api("/directories/{dir}/contacts/{cid}"),
            get(contacts::get_directory_contact)
                .put(contacts::update_directory_contact)
                .delete(contacts::delete_directory_contact),
        )
        .route(
            &api("/directories/{dir}/contacts/search"),
            post(search::search_contacts),
        )
        .route(
            &api("/directories/{dir}/mailinglists/{ml}/transactioncontacts"),
            post(imports::start_import),
        )
        .route(
            &api("/directories/{dir}/mailinglists/{ml}/transactioncontacts/{import_id}"),
            get(imports::import_status),
        )
        .route(
            &api("/directories/{dir}/imports/api-import/jobs/{import_id}/report"),
            get(imports::import_report),
        )
        .route("/oauth2/token", post(oauth::token))
        .route(
            "/oauth2/auth",
            get(oauth::authorize_page).post(oauth::authorize_decision),
        )
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(BODY_READ_LIMIT_BYTES))
        .with_state(shared)
}

async fn not_found(method: Method, uri: axum::http::Uri) -> impl IntoResponse {
    ApiError::not_found(format!("No endpoint matches {method} {}.", uri.path()))
}

/// Names the endpoint a request is for, or `unknown`.
pub fn endpoint_name(method: &Method, path: &str) -> &'static str {
    if path == "/oauth2/token" {
        return "token";
    }
    if path == "/oauth2/auth" {
        return "authorize";
    }
    let Some(rest) = path.strip_prefix("/API/v3/") else {
        return "unknown";
    };
    let segments: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    let is = |expected: &Method| method == expected;

    match segments.as_slice() {
        ["whoami"] if is(&Method::GET) => "whoami",
        ["directories"] if is(&Method::GET) => "list_directories",
        ["directories", _, "mailinglists"] if is(&Method::GET) => "list_mailing_lists",
        ["directories", _, "mailinglists", _] if is(&Method::GET) => "get_mailing_list",
        ["directories", _, "mailinglists", _, "contacts"] if is(&Method::GET) => "list_contacts",
        ["directories", _, "mailinglists", _, "contacts"] if is(&Method::POST) => "create_contact",
        ["directories", _, "mailinglists", _, "contacts", _] if is(&Method::GET) => {
            "get_list_contact"
        }
        ["directories", _, "mailinglists", _, "contacts", _] if is(&Method::PUT) => {
            "update_list_contact"
        }
        ["directories", _, "mailinglists", _, "contacts", _] if is(&Method::DELETE) => {
            "remove_list_contact"
        }
        ["directories", _, "contacts", "search"] if is(&Method::POST) => "search_contacts",
        ["directories", _, "contacts", _] if is(&Method::GET) => "get_directory_contact",
        ["directories", _, "contacts", _] if is(&Method::PUT) => "update_directory_contact",
        ["directories", _, "contacts", _] if is(&Method::DELETE) => "delete_directory_contact",
        ["directories", _, "mailinglists", _, "transactioncontacts"] if is(&Method::POST) => {
            "start_import"
        }
        ["directories", _, "mailinglists", _, "transactioncontacts", _] if is(&Method::GET) => {
            "import_status"
        }
        ["directories", _, "imports", "api-import", "jobs", _, "report"] if is(&Method::GET) => {
            "import_report"
        }
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_names_cover_search_and_imports() {
        assert_eq!(
            endpoint_name(&Method::POST, "/API/v3/directories/POOL_x/contacts/search"),
            "search_contacts"
        );
        assert_eq!(
            endpoint_name(&Method::GET, "/API/v3/directories/POOL_x/contacts/CID_y"),
            "get_directory_contact"
        );
        assert_eq!(
            endpoint_name(
                &Method::GET,
                "/API/v3/directories/POOL_x/imports/api-import/jobs/PGR_z/report"
            ),
            "import_report"
        );
        assert_eq!(endpoint_name(&Method::PATCH, "/API/v3/whoami"), "unknown");
    }
}
