//! In-memory XM directory model: directories, mailing lists, contacts, and the merge and
//! de-duplication rules that creates, updates and imports share.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::ids;
use crate::seed::{DeduplicationCriteria, SeedContact, SeedDirectory};

/// Maximum length of an embedded data name, in characters.
pub const MAX_EMBEDDED_NAME_CHARS: usize = 200;
/// Maximum length of an embedded data value, in characters.
pub const MAX_EMBEDDED_VALUE_CHARS: usize = 1024;

/// Snapshot of one stored contact, for assertions in tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactView {
    pub contact_id: String,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub ext_ref: Option<String>,
    pub language: Option<String>,
    pub unsubscribed: bool,
    pub embedded_data: BTreeMap<String, String>,
    /// Lists this contact is a member of, in the directory's list order.
    pub mailing_list_ids: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Contact {
    pub id: String,
    /// Insertion order, used as a stable paging key for search.
    pub seq: u64,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub ext_ref: Option<String>,
    pub language: Option<String>,
    pub unsubscribed: bool,
    pub embedded_data: BTreeMap<String, String>,
    pub private_embedded_data: BTreeMap<String, String>,
    pub creation_date_ms: i64,
}

/// One contact's membership in one list.
#[derive(Debug, Clone)]
pub struct Membership {
    pub lookup_id: String,
    /// Insertion order within the list, used as a stable paging key.
    pub seq: u64,
    pub unsubscribed: bool,
}

#[derive(Debug, Clone)]
pub struct MailingList {
    pub id: String,
    pub name: String,
    pub owner_id: String,
    pub creation_date_ms: i64,
    pub last_modified_ms: i64,
    /// Member contact IDs by membership sequence number.
    pub members_by_seq: BTreeMap<u64, String>,
    pub members: HashMap<String, Membership>,
}

#[derive(Debug, Clone)]
pub struct Directory {
    pub id: String,
    pub name: String,
    pub is_default: bool,
    pub dedup: DeduplicationCriteria,
    pub lists: Vec<MailingList>,
    /// Contacts by contact sequence number.
    pub contacts_by_seq: BTreeMap<u64, Contact>,
    pub contact_seq_by_id: HashMap<String, u64>,
    /// Sequence numbers of contacts by normalized email, so de-duplication is a lookup.
    email_index: HashMap<String, BTreeSet<u64>>,
}

/// Fields of a create, update or import row, already converted to strings.
///
/// `None` means the field was omitted; blank strings are kept so the caller decides whether
/// blank overwrites.
#[derive(Debug, Clone, Default)]
pub struct ContactInput {
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub ext_ref: Option<String>,
    pub language: Option<String>,
    pub unsubscribed: Option<bool>,
    pub embedded_data: Option<BTreeMap<String, String>>,
    pub private_embedded_data: Option<BTreeMap<String, String>>,
}

/// Outcome of writing one contact into a list.
#[derive(Debug, Clone)]
pub struct WriteOutcome {
    pub contact_id: String,
    pub lookup_id: String,
    /// True when an existing contact was matched and updated.
    pub updated: bool,
    /// True when the contact was not a member of the list before.
    pub added_to_list: bool,
}

/// Lowercases and trims an email for de-duplication.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Checks embedded data names and values against the documented length limits.
pub fn check_embedded_data(data: &BTreeMap<String, String>) -> Result<(), String> {
    for (name, value) in data {
        let name_chars = name.chars().count();
        if name_chars > MAX_EMBEDDED_NAME_CHARS {
            return Err(format!(
                "embedded data name of {name_chars} characters exceeds the maximum of {MAX_EMBEDDED_NAME_CHARS}"
            ));
        }
        let value_chars = value.chars().count();
        if value_chars > MAX_EMBEDDED_VALUE_CHARS {
            return Err(format!(
                "embedded data value for {name:?} of {value_chars} characters exceeds the maximum of {MAX_EMBEDDED_VALUE_CHARS}"
            ));
        }
    }
    Ok(())
}

/// Sets `target` from `value` unless the value is omitted or blank.
fn merge_field(target: &mut Option<String>, value: &Option<String>) {
    if let Some(value) = value {
        if !value.trim().is_empty() {
            *target = Some(value.clone());
        }
    }
}

/// Adds or overwrites embedded data keys, skipping blank values.
fn merge_map(target: &mut BTreeMap<String, String>, values: &Option<BTreeMap<String, String>>) {
    if let Some(values) = values {
        for (name, value) in values {
            if !value.trim().is_empty() {
                target.insert(name.clone(), value.clone());
            }
        }
    }
}

impl Contact {
    /// Applies a create or import: supplied non-blank fields overwrite, omitted and blank
    /// ones keep the stored value, and embedded data keys merge.
    pub fn merge(&mut self, input: &ContactInput) {
        merge_field(&mut self.email, &input.email);
        merge_field(&mut self.first_name, &input.first_name);
        merge_field(&mut self.last_name, &input.last_name);
        merge_field(&mut self.phone, &input.phone);
        merge_field(&mut self.ext_ref, &input.ext_ref);
        merge_field(&mut self.language, &input.language);
        if let Some(unsubscribed) = input.unsubscribed {
            self.unsubscribed = unsubscribed;
        }
        merge_map(&mut self.embedded_data, &input.embedded_data);
        merge_map(
            &mut self.private_embedded_data,
            &input.private_embedded_data,
        );
    }

    /// Applies a `PUT`: like `merge`, except that a supplied embedded data map replaces the
    /// stored map unless `merge_embedded_data` is set.
    pub fn update(&mut self, input: &ContactInput, merge_embedded_data: bool) {
        let mut scalar_only = input.clone();
        scalar_only.embedded_data = None;
        self.merge(&scalar_only);
        if let Some(data) = &input.embedded_data {
            if merge_embedded_data {
                merge_map(&mut self.embedded_data, &input.embedded_data);
            } else {
                self.embedded_data = data.clone();
            }
        }
    }
}

impl MailingList {
    pub fn new(id: String, name: String, owner_id: String, now_ms: i64) -> Self {
        MailingList {
            id,
            name,
            owner_id,
            creation_date_ms: now_ms,
            last_modified_ms: now_ms,
            members_by_seq: BTreeMap::new(),
            members: HashMap::new(),
        }
    }

    /// Adds a member unless present; returns its lookup ID and whether it was added.
    pub fn add_member(&mut self, contact_id: &str, seq: u64) -> (String, bool) {
        if let Some(membership) = self.members.get(contact_id) {
            return (membership.lookup_id.clone(), false);
        }
        let lookup_id = ids::generate(ids::MEMBERSHIP_PREFIX);
        self.members.insert(
            contact_id.to_string(),
            Membership {
                lookup_id: lookup_id.clone(),
                seq,
                unsubscribed: false,
            },
        );
        self.members_by_seq.insert(seq, contact_id.to_string());
        (lookup_id, true)
    }

    /// Removes a member; returns false when the contact was not on the list.
    pub fn remove_member(&mut self, contact_id: &str) -> bool {
        match self.members.remove(contact_id) {
            Some(membership) => {
                self.members_by_seq.remove(&membership.seq);
                true
            }
            None => false,
        }
    }
}

impl Directory {
    /// Builds a directory from its seed, assigning IDs and sequence numbers.
    pub fn from_seed(
        seed: &SeedDirectory,
        owner_id: &str,
        now_ms: i64,
        next_seq: &mut u64,
    ) -> Self {
        let mut directory = Directory {
            id: seed.directory_id.clone(),
            name: seed.name.clone(),
            is_default: seed.is_default,
            dedup: seed.deduplication_criteria.clone(),
            lists: seed
                .mailing_lists
                .iter()
                .map(|list| {
                    MailingList::new(
                        list.mailing_list_id.clone(),
                        list.name.clone(),
                        owner_id.to_string(),
                        now_ms,
                    )
                })
                .collect(),
            contacts_by_seq: BTreeMap::new(),
            contact_seq_by_id: HashMap::new(),
            email_index: HashMap::new(),
        };
        for seed_contact in &seed.contacts {
            let id = seed_contact
                .contact_id
                .clone()
                .unwrap_or_else(|| ids::generate(ids::CONTACT_PREFIX));
            let contact = contact_from_seed(id.clone(), seed_contact, *next_seq, now_ms);
            directory.insert_contact(contact);
            *next_seq += 1;
            for list_id in &seed_contact.mailing_list_ids {
                if let Some(list) = directory.list_mut(list_id) {
                    list.add_member(&id, *next_seq);
                    *next_seq += 1;
                }
            }
        }
        directory
    }

    pub fn list(&self, list_id: &str) -> Option<&MailingList> {
        self.lists.iter().find(|list| list.id == list_id)
    }

    pub fn list_mut(&mut self, list_id: &str) -> Option<&mut MailingList> {
        self.lists.iter_mut().find(|list| list.id == list_id)
    }

    pub fn contact(&self, contact_id: &str) -> Option<&Contact> {
        let seq = self.contact_seq_by_id.get(contact_id)?;
        self.contacts_by_seq.get(seq)
    }

    /// Changes one contact through `change`, keeping the email index current; returns
    /// false when the contact does not exist.
    pub fn modify_contact(&mut self, contact_id: &str, change: impl FnOnce(&mut Contact)) -> bool {
        let Some(&seq) = self.contact_seq_by_id.get(contact_id) else {
            return false;
        };
        let Some(contact) = self.contacts_by_seq.get_mut(&seq) else {
            return false;
        };
        let old_email = contact.email.clone();
        change(contact);
        let new_email = contact.email.clone();
        if old_email != new_email {
            self.unindex_email(old_email.as_deref(), seq);
            self.index_email(new_email.as_deref(), seq);
        }
        true
    }

    pub fn insert_contact(&mut self, contact: Contact) {
        self.index_email(contact.email.as_deref(), contact.seq);
        self.contact_seq_by_id
            .insert(contact.id.clone(), contact.seq);
        self.contacts_by_seq.insert(contact.seq, contact);
    }

    fn index_email(&mut self, email: Option<&str>, seq: u64) {
        if let Some(key) = email.map(normalize_email).filter(|key| !key.is_empty()) {
            self.email_index.entry(key).or_default().insert(seq);
        }
    }

    fn unindex_email(&mut self, email: Option<&str>, seq: u64) {
        if let Some(key) = email.map(normalize_email) {
            if let Some(seqs) = self.email_index.get_mut(&key) {
                seqs.remove(&seq);
                if seqs.is_empty() {
                    self.email_index.remove(&key);
                }
            }
        }
    }

    /// Deletes a contact from the directory and from every list.
    pub fn delete_contact(&mut self, contact_id: &str) -> bool {
        let Some(seq) = self.contact_seq_by_id.remove(contact_id) else {
            return false;
        };
        if let Some(contact) = self.contacts_by_seq.remove(&seq) {
            self.unindex_email(contact.email.as_deref(), seq);
        }
        for list in &mut self.lists {
            list.remove_member(contact_id);
        }
        true
    }

    /// Finds the oldest contact whose email matches, ignoring case and surrounding spaces.
    pub fn find_by_email(&self, email: &str) -> Option<&Contact> {
        let seq = self.email_index.get(&normalize_email(email))?.first()?;
        self.contacts_by_seq.get(seq)
    }

    /// Creates or (with email de-duplication on and a match) updates a contact, then makes it
    /// a member of `list_id`. The caller checks that the list exists.
    pub fn write_into_list(
        &mut self,
        list_id: &str,
        input: &ContactInput,
        now_ms: i64,
        next_seq: &mut u64,
    ) -> WriteOutcome {
        let existing_id = if self.dedup.email {
            input
                .email
                .as_deref()
                .and_then(|email| self.find_by_email(email))
                .map(|contact| contact.id.clone())
        } else {
            None
        };

        let (contact_id, updated) = match existing_id {
            Some(id) => {
                self.modify_contact(&id, |contact| contact.merge(input));
                (id, true)
            }
            None => {
                let id = ids::generate(ids::CONTACT_PREFIX);
                let mut contact = empty_contact(id.clone(), *next_seq, now_ms);
                *next_seq += 1;
                contact.merge(input);
                self.insert_contact(contact);
                (id, false)
            }
        };

        let list = self
            .list_mut(list_id)
            .expect("caller checked that the list exists");
        let (lookup_id, added_to_list) = list.add_member(&contact_id, *next_seq);
        *next_seq += 1;
        list.last_modified_ms = now_ms;
        WriteOutcome {
            contact_id,
            lookup_id,
            updated,
            added_to_list,
        }
    }

    /// Builds the test-facing snapshot of one contact.
    pub fn view(&self, contact: &Contact) -> ContactView {
        ContactView {
            contact_id: contact.id.clone(),
            email: contact.email.clone(),
            first_name: contact.first_name.clone(),
            last_name: contact.last_name.clone(),
            ext_ref: contact.ext_ref.clone(),
            language: contact.language.clone(),
            unsubscribed: contact.unsubscribed,
            embedded_data: contact.embedded_data.clone(),
            mailing_list_ids: self
                .lists
                .iter()
                .filter(|list| list.members.contains_key(&contact.id))
                .map(|list| list.id.clone())
                .collect(),
        }
    }
}

fn empty_contact(id: String, seq: u64, now_ms: i64) -> Contact {
    Contact {
        id,
        seq,
        email: None,
        first_name: None,
        last_name: None,
        phone: None,
        ext_ref: None,
        language: None,
        unsubscribed: false,
        embedded_data: BTreeMap::new(),
        private_embedded_data: BTreeMap::new(),
        creation_date_ms: now_ms,
    }
}

fn contact_from_seed(id: String, seed: &SeedContact, seq: u64, now_ms: i64) -> Contact {
    Contact {
        email: seed.email.clone(),
        first_name: seed.first_name.clone(),
        last_name: seed.last_name.clone(),
        phone: seed.phone.clone(),
        ext_ref: seed.ext_ref.clone(),
        language: seed.language.clone(),
        unsubscribed: seed.unsubscribed,
        embedded_data: seed.embedded_data.clone(),
        ..empty_contact(id, seq, now_ms)
    }
}
