//! Renders a cohort's members as the CSV that a cohort download returns.

use std::collections::BTreeSet;

use crate::seed::SeedMember;

/// The user properties a download request selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PropSelection {
    /// `props` absent or `0`: only `amplitude_id` and `user_id`.
    None,
    /// `props=1` without `propKeys`: every property any member has, sorted by name.
    All,
    /// `props=1` with `propKeys`: exactly these columns, in request order.
    Keys(Vec<String>),
}

/// Renders a header row and one row per member, quoting every field and ending lines with LF.
pub(crate) fn render(members: &[SeedMember], selection: &PropSelection) -> String {
    let columns: Vec<String> = match selection {
        PropSelection::None => Vec::new(),
        PropSelection::Keys(keys) => keys.clone(),
        PropSelection::All => members
            .iter()
            .flat_map(|member| member.user_properties.keys().cloned())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect(),
    };

    let mut out = String::new();
    let mut header = vec!["amplitude_id".to_string(), "user_id".to_string()];
    header.extend(columns.iter().cloned());
    push_row(&mut out, &header);

    for member in members {
        let mut row = vec![
            member.amplitude_id.to_string(),
            member.user_id.clone().unwrap_or_default(),
        ];
        for column in &columns {
            row.push(cell_text(member.user_properties.get(column)));
        }
        push_row(&mut out, &row);
    }
    out
}

/// Text of one property cell: strings as they are, null or absent as empty, others as JSON.
fn cell_text(value: Option<&serde_json::Value>) -> String {
    match value {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    }
}

fn push_row(out: &mut String, fields: &[String]) {
    let quoted: Vec<String> = fields
        .iter()
        .map(|field| format!("\"{}\"", field.replace('"', "\"\"")))
        .collect();
    out.push_str(&quoted.join(","));
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members() -> Vec<SeedMember> {
        vec![
            SeedMember::new("u1", 11)
                .with_property("email", "a@example.com")
                .with_property("n", 3),
            SeedMember {
                user_id: None,
                amplitude_id: 12,
                user_properties: [("nick".to_string(), serde_json::json!("say \"hi\", ok"))].into(),
            },
        ]
    }

    #[test]
    fn render_without_properties() {
        let csv = render(&members(), &PropSelection::None);
        assert_eq!(
            csv,
            "\"amplitude_id\",\"user_id\"\n\"11\",\"u1\"\n\"12\",\"\"\n"
        );
    }

    #[test]
    fn render_all_properties_sorted() {
        let csv = render(&members(), &PropSelection::All);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines[0],
            "\"amplitude_id\",\"user_id\",\"email\",\"n\",\"nick\""
        );
        assert_eq!(lines[1], "\"11\",\"u1\",\"a@example.com\",\"3\",\"\"");
        assert_eq!(lines[2], "\"12\",\"\",\"\",\"\",\"say \"\"hi\"\", ok\"");
    }

    #[test]
    fn render_requested_keys_in_order() {
        let selection = PropSelection::Keys(vec!["n".into(), "missing".into()]);
        let csv = render(&members(), &selection);
        assert!(csv.starts_with(
            "\"amplitude_id\",\"user_id\",\"n\",\"missing\"\n\"11\",\"u1\",\"3\",\"\"\n"
        ));
    }
}
