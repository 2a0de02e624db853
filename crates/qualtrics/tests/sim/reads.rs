//! Read calls: identity, directories, lists, members (paging), directory contacts, search.

use std::collections::BTreeSet;

use cohortsync_qualtrics::{Error, MailingListId};

use crate::support::*;

#[tokio::test]
async fn whoami_returns_seeded_user() {
    let sim = start().await;
    let client = token_client(&sim);

    let me = client.whoami().await.unwrap();

    assert_eq!(me.user_id.as_deref(), Some("UR_3xAmPlEuSeR0001"));
    assert_eq!(me.brand_id.as_deref(), Some("examplebrand"));
    assert_eq!(client.requests_sent(), 1);
    assert_eq!(sim.request_count(Some("whoami")), 1);
}

#[tokio::test]
async fn directories_carry_dedup_criteria() {
    let sim = start().await;
    let client = token_client(&sim);

    let directories = client.list_directories().await.unwrap();

    assert_eq!(directories.len(), 1);
    assert_eq!(directories[0].directory_id, directory());
    assert!(directories[0].is_default);
    assert!(directories[0].deduplication_criteria.email);
    assert!(!directories[0].deduplication_criteria.phone);
}

#[tokio::test]
async fn mailing_lists_listed_and_read() {
    let sim = start().await;
    let client = token_client(&sim);

    let lists = client.list_mailing_lists(&directory()).await.unwrap();
    let nps = client
        .get_mailing_list(&directory(), &nps_list())
        .await
        .unwrap();

    let ids: BTreeSet<_> = lists
        .iter()
        .map(|list| list.mailing_list_id.clone())
        .collect();
    assert_eq!(ids, BTreeSet::from([nps_list(), beta_list()]));
    assert_eq!(nps.mailing_list_id, nps_list());
    assert_eq!(nps.name.as_deref(), Some("NPS panel"));
}

#[tokio::test]
async fn members_collected_over_many_pages() {
    let sim = start_with_big_list(230).await;
    let client = token_client(&sim);
    let big: MailingListId = "CG_BiGlIsT00000001".parse().unwrap();

    let members = client
        .list_all_mailing_list_contacts(&directory(), &big, true)
        .await
        .unwrap();

    let ids: Vec<String> = members
        .iter()
        .map(|member| member.contact_id.to_string())
        .collect();
    let unique: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(ids.len(), 230, "every member once");
    assert_eq!(unique.len(), 230, "no member repeated");
    let expected: BTreeSet<String> = sim
        .mailing_list_member_ids(directory().as_str(), big.as_str())
        .into_iter()
        .collect();
    assert_eq!(
        unique.into_iter().cloned().collect::<BTreeSet<_>>(),
        expected
    );
    let embedded = members[0]
        .embedded_data
        .as_ref()
        .expect("embedded data requested");
    assert!(embedded.contains_key("index"));
    assert!(
        sim.request_count(Some("list_contacts")) >= 5,
        "230 members need at least 5 pages of 50"
    );
}

#[tokio::test]
async fn members_page_at_a_time() {
    let sim = start_with_big_list(120).await;
    let client = token_client(&sim);
    let big: MailingListId = "CG_BiGlIsT00000001".parse().unwrap();

    let mut seen = BTreeSet::new();
    let mut pages = 0;
    let mut cursor = None;
    loop {
        let page = client
            .list_mailing_list_contacts(&directory(), &big, false, cursor.as_ref())
            .await
            .unwrap();
        pages += 1;
        assert!(page.elements.len() <= 50, "page size is at most 50");
        for member in page.elements {
            assert!(
                member.embedded_data.is_none(),
                "embedded data not requested"
            );
            assert!(
                seen.insert(member.contact_id),
                "member repeated across pages"
            );
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }

    assert_eq!(seen.len(), 120);
    assert_eq!(sim.request_count(Some("list_contacts")), pages);
}

#[tokio::test]
async fn directory_contact_lists_memberships() {
    let sim = start().await;
    let client = token_client(&sim);

    let contact = client
        .get_directory_contact(&directory(), &ada())
        .await
        .unwrap();

    assert_eq!(contact.email.as_deref(), Some("ada.lovelace@example.com"));
    assert!(contact
        .mailing_list_membership
        .contains_key(nps_list().as_str()));
    assert!(!contact
        .mailing_list_membership
        .contains_key(beta_list().as_str()));
}

#[tokio::test]
async fn search_by_email_ignores_case() {
    let sim = start().await;
    let client = token_client(&sim);

    let found = client
        .search_contacts_by_email(&directory(), "  BOB.Sample@Example.com ")
        .await
        .unwrap();
    let none = client
        .search_contacts_by_email(&directory(), "nobody@example.com")
        .await
        .unwrap();

    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, bob());
    assert_eq!(
        found[0]
            .embedded_data
            .as_ref()
            .and_then(|data| data.get("plan"))
            .map(String::as_str),
        Some("starter")
    );
    assert!(none.is_empty());
}

#[tokio::test]
async fn unknown_list_is_404_once() {
    let sim = start().await;
    let client = token_client(&sim);
    let missing: MailingListId = "CG_NoSuChLiSt00001".parse().unwrap();

    let err = client
        .get_mailing_list(&directory(), &missing)
        .await
        .unwrap_err();

    assert_eq!(err.status(), Some(404));
    assert!(err.request_id().is_some(), "{err}");
    assert_eq!(
        sim.request_count(Some("get_mailing_list")),
        1,
        "404 is not retried"
    );
    assert!(matches!(
        err,
        Error::Api {
            endpoint: "get_mailing_list",
            ..
        }
    ));
}

#[tokio::test]
async fn search_collects_skip_token_pages() {
    let mut seed = qualtrics_sim::Seed::example();
    seed.directories[0].deduplication_criteria.email = false;
    for index in 0..130 {
        seed.directories[0]
            .contacts
            .push(qualtrics_sim::SeedContact {
                email: Some("shared.inbox@example.com".into()),
                first_name: Some(format!("Twin{index}")),
                ..qualtrics_sim::SeedContact::default()
            });
    }
    let sim = qualtrics_sim::Simulator::start(seed).await.unwrap();
    let client = token_client(&sim);

    let found = client
        .search_contacts_by_email(&directory(), "shared.inbox@example.com")
        .await
        .unwrap();

    let unique: BTreeSet<_> = found.iter().map(|contact| contact.id.clone()).collect();
    assert_eq!(found.len(), 130);
    assert_eq!(unique.len(), 130, "no contact repeated across pages");
    assert_eq!(
        sim.request_count(Some("search_contacts")),
        2,
        "pages of 100"
    );
}
