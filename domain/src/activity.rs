//! The kinds of activity a lead's timeline holds (SPEC §3, §11): every touch we made and every
//! signal that came back. The engine stores them (`store::activities`); this module only names
//! them, so the browser and the server agree on the strings.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    DraftQueued,
    Approved,
    Rejected,
    Sent,
    Delivered,
    Bounced,
    Opened,
    Clicked,
    Replied,
    Unsubscribed,
    StatusChanged,
    MeetingBooked,
    Note,
    Complained,
    Paused,
    Resumed,
}

impl ActivityKind {
    pub const ALL: [ActivityKind; 16] = [
        ActivityKind::DraftQueued,
        ActivityKind::Approved,
        ActivityKind::Rejected,
        ActivityKind::Sent,
        ActivityKind::Delivered,
        ActivityKind::Bounced,
        ActivityKind::Opened,
        ActivityKind::Clicked,
        ActivityKind::Replied,
        ActivityKind::Unsubscribed,
        ActivityKind::StatusChanged,
        ActivityKind::MeetingBooked,
        ActivityKind::Note,
        ActivityKind::Complained,
        ActivityKind::Paused,
        ActivityKind::Resumed,
    ];

    pub fn as_str(self) -> &'static str {
        use ActivityKind::*;
        match self {
            DraftQueued => "draft_queued",
            Approved => "approved",
            Rejected => "rejected",
            Sent => "sent",
            Delivered => "delivered",
            Bounced => "bounced",
            Opened => "opened",
            Clicked => "clicked",
            Replied => "replied",
            Unsubscribed => "unsubscribed",
            StatusChanged => "status_changed",
            MeetingBooked => "meeting_booked",
            Note => "note",
            Complained => "complained",
            Paused => "paused",
            Resumed => "resumed",
        }
    }

    /// A touch we made (as opposed to something the prospect or a schedule did): the touches a
    /// conversion credits are the last of these per channel.
    pub fn is_touch(self) -> bool {
        matches!(self, ActivityKind::Sent)
    }
}

impl fmt::Display for ActivityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown activity kind {0:?}")]
pub struct UnknownKind(pub String);

impl FromStr for ActivityKind {
    type Err = UnknownKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim();
        ActivityKind::ALL
            .iter()
            .copied()
            .find(|k| k.as_str().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| UnknownKind(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_its_name_and_serde() {
        for k in ActivityKind::ALL {
            assert_eq!(k.as_str().parse::<ActivityKind>().unwrap(), k);
            assert_eq!(serde_json::to_string(&k).unwrap(), format!("\"{}\"", k.as_str()));
        }
        assert!("sent_twice".parse::<ActivityKind>().is_err());
    }
}
