//! Shared setup for the simulator tests: seeds, settings with fast backoff, and clients.

use std::num::NonZeroU32;
use std::time::Duration;

use cohortsync_qualtrics::{
    ContactId, Credentials, DirectoryId, MailingListId, OAuthApp, QualtricsClient, RateLimiters,
    SecretString, Settings,
};
use qualtrics_sim::{Seed, SeedContact, Simulator};
use url::Url;

pub const API_TOKEN: &str = "simTokenExample0000000000000000000000001";
pub const CLIENT_ID: &str = "sim-client-example";
pub const CLIENT_SECRET: &str = "sim-secret-example-not-real";
pub const REDIRECT_URI: &str = "http://127.0.0.1:8080/oauth/callback";

pub fn directory() -> DirectoryId {
    "POOL_ExAmPlEdIr00001".parse().unwrap()
}

pub fn nps_list() -> MailingListId {
    "CG_NpSpAnElLiSt001".parse().unwrap()
}

pub fn beta_list() -> MailingListId {
    "CG_BeTaTeStErS0001".parse().unwrap()
}

pub fn ada() -> ContactId {
    "CID_AdaExAmPlE00001".parse().unwrap()
}

pub fn bob() -> ContactId {
    "CID_BoBeXaMpLe00002".parse().unwrap()
}

pub async fn start() -> Simulator {
    Simulator::start(Seed::example())
        .await
        .expect("simulator starts")
}

/// Starts a simulator with the example seed plus a list `CG_BiGlIsT00000001` of `members` contacts.
pub async fn start_with_big_list(members: usize) -> Simulator {
    let mut seed = Seed::example();
    let directory = &mut seed.directories[0];
    directory
        .mailing_lists
        .push(qualtrics_sim::SeedMailingList {
            mailing_list_id: "CG_BiGlIsT00000001".into(),
            name: "Big list".into(),
        });
    for index in 0..members {
        directory.contacts.push(SeedContact {
            email: Some(format!("member{index:04}@example.com")),
            first_name: Some(format!("Member{index}")),
            embedded_data: [("index".to_owned(), index.to_string())].into(),
            mailing_list_ids: vec!["CG_BiGlIsT00000001".into()],
            ..SeedContact::default()
        });
    }
    Simulator::start(seed).await.expect("simulator starts")
}

/// Settings pointing at the simulator, with backoff of milliseconds so retry tests run fast.
pub fn settings(sim: &Simulator) -> Settings {
    let mut settings = Settings::new("iad1".parse().unwrap());
    settings.base_url = Some(Url::parse(&sim.base_url()).unwrap());
    settings.attempt_timeout = Duration::from_secs(5);
    settings.max_attempts = 4;
    settings.backoff_base = Duration::from_millis(5);
    settings.backoff_cap = Duration::from_millis(20);
    settings.retry_after_cap = Duration::from_secs(5);
    settings.requests_per_minute = NonZeroU32::new(100_000).unwrap();
    settings
}

pub fn api_token() -> Credentials {
    Credentials::ApiToken(SecretString::from(API_TOKEN))
}

pub fn app() -> OAuthApp {
    OAuthApp {
        client_id: CLIENT_ID.into(),
        client_secret: SecretString::from(CLIENT_SECRET),
    }
}

pub fn client_credentials() -> Credentials {
    Credentials::ClientCredentials {
        app: app(),
        scopes: vec![
            "read:directories".into(),
            "manage:mailing_list_contacts".into(),
        ],
    }
}

/// Builds a client with its own rate-limiter registry, so tests do not share budgets.
pub fn client_with(settings: Settings, credentials: Credentials) -> QualtricsClient {
    QualtricsClient::with_rate_limiters(settings, credentials, &RateLimiters::new())
        .expect("client builds")
}

pub fn token_client(sim: &Simulator) -> QualtricsClient {
    client_with(settings(sim), api_token())
}
