//! A Qualtrics simulator, a client and a fresh store for each engine test.

#![allow(dead_code)]

use std::time::Duration;

use cohortsync_domain::{CohortId, CohortName, EmailProperty, FieldPrefix, Member};
use cohortsync_engine::{
    run_export, Destination, EngineSettings, ExportRequest, NoProgress, RemovalMode, RunReport,
};
use cohortsync_qualtrics::{
    Credentials, DatacenterId, PollPolicy, QualtricsClient, RateLimiters, SecretString, Settings,
};
use cohortsync_store::Store;
use qualtrics_sim::{ContactView, Seed, Simulator};

pub const DIRECTORY: &str = "POOL_ExAmPlEdIr00001";
pub const NPS_LIST: &str = "CG_NpSpAnElLiSt001";
pub const BETA_LIST: &str = "CG_BeTaTeStErS0001";
pub const TOKEN: &str = "simTokenExample0000000000000000000000001";
pub const COHORT_ID: &str = "7khm89cz";

/// Endpoints that change contacts in the simulator.
pub const WRITE_ENDPOINTS: [&str; 5] = [
    "create_contact",
    "update_list_contact",
    "remove_list_contact",
    "update_directory_contact",
    "start_import",
];

pub struct Harness {
    pub sim: Simulator,
    pub client: QualtricsClient,
    pub store: Store,
    pub settings: EngineSettings,
    _dir: tempfile::TempDir,
}

impl Harness {
    /// Starts from the simulator's example seed: ada and bob on the NPS list (bob with `plan=starter`),
    /// carol on the beta list only, dan on no list, and eve on the NPS list, unsubscribed,
    /// with `plan=enterprise` and `region=emea`.
    pub async fn new() -> Harness {
        Self::with_seed(Seed::example()).await
    }

    pub async fn with_seed(seed: Seed) -> Harness {
        let sim = Simulator::start(seed).await.expect("simulator starts");
        let client = client_for(&sim, TOKEN, 1);
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        let store = Store::open(&url).await.expect("store opens");
        let settings = EngineSettings {
            import_poll: PollPolicy {
                initial_interval: Duration::from_millis(20),
                max_interval: Duration::from_millis(100),
                timeout: Duration::from_secs(30),
            },
            ..EngineSettings::default()
        };
        Harness {
            sim,
            client,
            store,
            settings,
            _dir: dir,
        }
    }

    /// Exports `members` as cohort `name` with the default options.
    pub async fn export(&self, name: &str, members: Vec<Member>) -> RunReport {
        self.export_with(name, members, RemovalMode::Inactive, false).await
    }

    pub async fn export_with(
        &self,
        name: &str,
        members: Vec<Member>,
        removal: RemovalMode,
        dry_run: bool,
    ) -> RunReport {
        let request = ExportRequest {
            dry_run,
            ..request(name, members, removal)
        };
        run_export(&self.client, &self.store, &self.settings, request, &NoProgress)
            .await
            .expect("the run is recorded")
    }

    /// Finds every contact in the directory with this email, compared case-insensitively.
    pub fn contacts_with_email(&self, email: &str) -> Vec<ContactView> {
        self.sim
            .contacts(DIRECTORY)
            .into_iter()
            .filter(|c| {
                c.email
                    .as_deref()
                    .is_some_and(|e| e.trim().eq_ignore_ascii_case(email))
            })
            .collect()
    }

    /// Finds the one contact with this email and fails the test on none or a duplicate.
    pub fn contact(&self, email: &str) -> ContactView {
        let mut found = self.contacts_with_email(email);
        assert_eq!(found.len(), 1, "contacts with email {email}: {found:?}");
        found.remove(0)
    }

    pub fn writes(&self) -> usize {
        WRITE_ENDPOINTS
            .iter()
            .map(|endpoint| self.sim.request_count(Some(endpoint)))
            .sum()
    }
}

/// Builds a client with fast retries, so fault tests finish in milliseconds. Each test gets its own
/// rate limiter registry, so tests running in parallel do not share a budget.
pub fn client_for(sim: &Simulator, token: &str, max_attempts: u32) -> QualtricsClient {
    let mut settings = Settings::new(DatacenterId::try_from("iad1".to_owned()).unwrap());
    settings.base_url = Some(sim.base_url().parse().unwrap());
    settings.max_attempts = max_attempts;
    settings.backoff_base = Duration::from_millis(5);
    settings.backoff_cap = Duration::from_millis(20);
    settings.attempt_timeout = Duration::from_secs(5);
    QualtricsClient::with_rate_limiters(
        settings,
        Credentials::ApiToken(SecretString::from(token.to_owned())),
        &RateLimiters::new(),
    )
    .expect("client builds")
}

/// Builds a request for cohort `COHORT_ID` named `name`, not a dry run.
pub fn request(name: &str, members: Vec<Member>, removal: RemovalMode) -> ExportRequest {
    ExportRequest {
        destination: destination(),
        cohort_id: CohortId::new(COHORT_ID).unwrap(),
        cohort_name: CohortName::new(name).unwrap(),
        field_prefix: FieldPrefix::default(),
        removal,
        dry_run: false,
        source: "test".to_owned(),
        members,
    }
}

pub fn destination() -> Destination {
    Destination {
        name: "nps".to_owned(),
        directory_id: DIRECTORY.parse().unwrap(),
        mailing_list_id: NPS_LIST.parse().unwrap(),
        email_property: EmailProperty::default(),
    }
}

pub fn member(user_id: &str, email: &str) -> Member {
    let mut member = Member {
        user_id: Some(user_id.to_owned()),
        ..Member::default()
    };
    member.properties.insert("email".to_owned(), email.to_owned());
    member
}

/// `count` members with fresh emails `new-N@example.org`.
pub fn new_members(count: usize) -> Vec<Member> {
    (0..count)
        .map(|n| member(&format!("u-{n}"), &format!("new-{n}@example.org")))
        .collect()
}

pub fn field(name: &str) -> String {
    format!("[Amplitude] {name} ({COHORT_ID})")
}
