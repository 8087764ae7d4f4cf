//! Amazon SES bounce notifications delivered by e-mail (an SNS topic with an e-mail
//! subscription): a JSON document, not a report, in the body. Documented at
//! <https://docs.aws.amazon.com/ses/latest/dg/notification-contents.html>.
//!
//! SNS folds the JSON over several lines, so the fields are found by scanning rather than by
//! parsing the document whole.

use super::{BounceReport, Failure};

/// Adds the bounced recipients of an SES `"notificationType":"Bounce"` notification. Returns
/// false when the text is not one (a delivery or complaint notification is not a bounce).
pub(super) fn parse(body: &str, report: &mut BounceReport) -> bool {
    // Folding puts a line break and white space anywhere, even inside a key.
    let flat: String = body.lines().map(str::trim_start).collect();
    // Inside the SNS envelope the notification is a JSON string: its quotes are escaped.
    let flat = flat.replace("\\\"", "\"");
    let Some(kind) = string_field(&flat, "notificationType") else {
        return false;
    };
    if kind != "Bounce" {
        return false;
    }
    let failure = match string_field(&flat, "bounceType").as_deref() {
        Some("Transient") => Failure::Temporary,
        _ => Failure::Permanent,
    };
    let Some(at) = flat.find("\"bouncedRecipients\"") else {
        return false;
    };
    let list = &flat[at..];
    let list = &list[..list.find(']').unwrap_or(list.len())];
    let mut rest = list;
    while let Some(address) = string_field(rest, "emailAddress") {
        report.add(&address, failure);
        let key = rest.find("\"emailAddress\"").map_or(rest.len(), |i| i + 14);
        rest = &rest[key..];
    }
    true
}

/// The string value of the first `"name":"value"` in `text` (escapes are not expected in the
/// fields read here and are kept as written).
fn string_field(text: &str, name: &str) -> Option<String> {
    let key = format!("\"{name}\"");
    let after = &text[text.find(&key)? + key.len()..];
    let after = after
        .trim_start()
        .strip_prefix(':')?
        .trim_start()
        .strip_prefix('"')?;
    let end = after.find('"')?;
    Some(after[..end].trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folded_bounce_notification_names_its_recipients_and_type() {
        let body = "{\"notificationType\":\"Bounce\",\"bounce\":{\"bounceType\":\"Permanent\",\"bouncedRecipients\":[{\"emailAddress\":\"a@example.com\"},{\"emailAd\n dress\":\"b@example.com\"}],\"mail\":{\"destination\":[\"c@example.com\"]}}}";
        let mut r = BounceReport::default();
        assert!(parse(body, &mut r));
        assert_eq!(r.permanent, ["a@example.com", "b@example.com"]);
        let transient = "{\"notificationType\":\"Bounce\",\"bounce\":{\"bounceType\":\"Transient\",\"bouncedRecipients\":[{\"emailAddress\":\"a@example.com\"}]}}";
        let mut r = BounceReport::default();
        assert!(parse(transient, &mut r));
        assert_eq!(r.temporary, ["a@example.com"]);
    }

    #[test]
    fn delivery_and_complaint_notifications_are_not_bounces() {
        let mut r = BounceReport::default();
        assert!(!parse(
            "{\"notificationType\":\"Delivery\",\"delivery\":{\"recipients\":[\"a@example.com\"]}}",
            &mut r
        ));
        assert!(!parse("{\"notificationType\":\"Complaint\"}", &mut r));
        assert!(!parse("just text", &mut r));
        assert!(r.is_empty());
    }
}
