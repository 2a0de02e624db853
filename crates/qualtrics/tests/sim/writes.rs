//! Member writes: create, read, update, embedded field changes, removal, de-duplication.

use std::collections::BTreeMap;

use cohortsync_qualtrics::{ContactUpdate, CreateRetry, NewContact};

use crate::support::*;

fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(key, value)| (key.to_string(), value.to_string()))
        .collect()
}

#[tokio::test]
async fn create_then_read_member() {
    let sim = start().await;
    let client = token_client(&sim);
    let contact = NewContact {
        email: Some("grace.hopper@example.com".into()),
        first_name: Some("Grace".into()),
        language: Some("EN".into()),
        embedded_data: Some(fields(&[("[Amplitude] Power users (7khm89cz)", "active")])),
        ..NewContact::default()
    };

    let created = client
        .create_mailing_list_contact(
            &directory(),
            &beta_list(),
            &contact,
            CreateRetry::OnlyIfNotSent,
        )
        .await
        .unwrap();
    let read = client
        .get_mailing_list_contact(&directory(), &beta_list(), &created.id)
        .await
        .unwrap();

    assert!(created.contact_lookup_id.is_some());
    assert_eq!(read.email.as_deref(), Some("grace.hopper@example.com"));
    assert_eq!(
        read.embedded_data
            .unwrap()
            .get("[Amplitude] Power users (7khm89cz)")
            .map(String::as_str),
        Some("active"),
        "a bracketed field name round-trips"
    );
    assert!(sim
        .mailing_list_member_ids(directory().as_str(), beta_list().as_str())
        .contains(&created.id.to_string()));
}

#[tokio::test]
async fn dedup_on_returns_existing_contact() {
    let sim = start().await;
    let client = token_client(&sim);
    let contact = NewContact {
        email: Some("ADA.Lovelace@example.com".into()),
        ..NewContact::default()
    };

    let created = client
        .create_mailing_list_contact(
            &directory(),
            &beta_list(),
            &contact,
            CreateRetry::DirectoryDeduplicatesEmail,
        )
        .await
        .unwrap();

    assert_eq!(created.id, ada());
    assert_eq!(
        sim.contacts(directory().as_str()).len(),
        5,
        "no new contact"
    );
}

#[tokio::test]
async fn dedup_off_creates_duplicate() {
    let sim = start().await;
    let client = token_client(&sim);
    sim.set_deduplication(directory().as_str(), false);
    let contact = NewContact {
        email: Some("ada.lovelace@example.com".into()),
        ..NewContact::default()
    };

    let created = client
        .create_mailing_list_contact(
            &directory(),
            &beta_list(),
            &contact,
            CreateRetry::OnlyIfNotSent,
        )
        .await
        .unwrap();

    assert_ne!(created.id, ada());
    let same_email = sim
        .contacts(directory().as_str())
        .into_iter()
        .filter(|view| view.email.as_deref() == Some("ada.lovelace@example.com"))
        .count();
    assert_eq!(same_email, 2);
}

#[tokio::test]
async fn partial_put_replaces_embedded_map() {
    let sim = start().await;
    let client = token_client(&sim);
    let update = ContactUpdate {
        embedded_data: Some(fields(&[("cohort", "active")])),
        language: Some("EN".into()),
        ..ContactUpdate::default()
    };

    client
        .update_mailing_list_contact(&directory(), &nps_list(), &bob(), &update)
        .await
        .unwrap();

    let bob_view = sim
        .contacts(directory().as_str())
        .into_iter()
        .find(|view| view.contact_id == bob().to_string())
        .unwrap();
    assert_eq!(
        bob_view.embedded_data,
        fields(&[("cohort", "active")]),
        "the simulator's PUT replaces the map"
    );
}

#[tokio::test]
async fn set_embedded_fields_keeps_other_data() {
    let sim = start().await;
    let client = token_client(&sim);

    client
        .set_embedded_fields(
            &directory(),
            &nps_list(),
            &bob(),
            &fields(&[("cohort", "active")]),
        )
        .await
        .unwrap();

    let bob_view = sim
        .contacts(directory().as_str())
        .into_iter()
        .find(|view| view.contact_id == bob().to_string())
        .unwrap();
    assert_eq!(
        bob_view.embedded_data,
        fields(&[("cohort", "active"), ("plan", "starter")])
    );
    assert_eq!(bob_view.first_name.as_deref(), Some("Bob"));
    assert_eq!(bob_view.language.as_deref(), Some("EN"));
    assert!(!bob_view.unsubscribed);
    assert_eq!(sim.request_count(Some("get_list_contact")), 1);
    assert_eq!(sim.request_count(Some("update_list_contact")), 1);
}

#[tokio::test]
async fn set_embedded_fields_keeps_unsubscribed() {
    let sim = start().await;
    let client = token_client(&sim);
    let eve = "CID_EvEoPtOuT000005".parse().unwrap();

    client
        .set_embedded_fields(
            &directory(),
            &nps_list(),
            &eve,
            &fields(&[("plan", "team")]),
        )
        .await
        .unwrap();

    let eve_view = sim
        .contacts(directory().as_str())
        .into_iter()
        .find(|view| view.contact_id == eve.to_string())
        .unwrap();
    assert!(eve_view.unsubscribed, "the opt-out survives the update");
    assert_eq!(
        eve_view.embedded_data,
        fields(&[("plan", "team"), ("region", "emea")])
    );
}

#[tokio::test]
async fn remove_keeps_directory_contact() {
    let sim = start().await;
    let client = token_client(&sim);

    client
        .remove_from_mailing_list(&directory(), &nps_list(), &ada())
        .await
        .unwrap();

    assert!(!sim
        .mailing_list_member_ids(directory().as_str(), nps_list().as_str())
        .contains(&ada().to_string()));
    let contact = client
        .get_directory_contact(&directory(), &ada())
        .await
        .unwrap();
    assert!(!contact
        .mailing_list_membership
        .contains_key(nps_list().as_str()));
}

#[tokio::test]
async fn update_unknown_member_is_404_once() {
    let sim = start().await;
    let client = token_client(&sim);
    let stranger = "CID_NoSuChCoNtAcT01".parse().unwrap();

    let err = client
        .set_embedded_fields(&directory(), &nps_list(), &stranger, &fields(&[("a", "b")]))
        .await
        .unwrap_err();

    assert_eq!(err.status(), Some(404));
    assert_eq!(sim.request_count(Some("get_list_contact")), 1);
    assert_eq!(sim.request_count(Some("update_list_contact")), 0);
}

#[tokio::test]
async fn directory_embedded_fields_keep_others() {
    let sim = start().await;
    let client = token_client(&sim);

    client
        .set_directory_embedded_fields(&directory(), &bob(), &fields(&[("cohort", "inactive")]))
        .await
        .unwrap();

    let bob_view = sim
        .contacts(directory().as_str())
        .into_iter()
        .find(|view| view.contact_id == bob().to_string())
        .unwrap();
    assert_eq!(
        bob_view.embedded_data,
        fields(&[("cohort", "inactive"), ("plan", "starter")])
    );
    assert_eq!(bob_view.first_name.as_deref(), Some("Bob"));
    assert_eq!(sim.request_count(Some("update_directory_contact")), 1);
}
