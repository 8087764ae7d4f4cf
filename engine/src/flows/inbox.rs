//! The Inbox's flows (issue 11 §4): the list, one conversation, and what a person does with a
//! reply. Stub until the activities API lands.

use crate::auth::Access;
use crate::{Engine, Error, Result};
use chrono::{DateTime, NaiveDate, Utc};
use domain::ids::{CampaignId, MailboxId};
use domain::inbox::{Answered, Conversation, DashboardNumbers, InboxPage, InboxTab, TimelineEntry, TimelinePage};
use domain::leads::LeadId;
use domain::reply::ReplyClass;
use uuid::Uuid;

#[derive(Debug, Clone, Default)]
pub struct Query {
    pub tab: InboxTab,
    pub campaign: Option<CampaignId>,
    pub mailbox: Option<MailboxId>,
    pub since: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    pub search: Option<String>,
    pub after: Option<(DateTime<Utc>, Uuid)>,
}

fn todo() -> Error {
    Error::Internal(anyhow::anyhow!("not yet"))
}

pub async fn page(_e: &Engine, _a: &Access, _q: &Query) -> Result<InboxPage> { Err(todo()) }
pub async fn attention(_e: &Engine, _a: &Access) -> Result<i64> { Err(todo()) }
pub async fn open(_e: &Engine, _a: &Access, _r: Uuid) -> Result<Conversation> { Err(todo()) }
pub async fn answer(_e: &Engine, _a: &Access, _r: Uuid, _t: &str, _k: &str) -> Result<Answered> { Err(todo()) }
pub async fn reclassify(_e: &Engine, _a: &Access, _r: Uuid, _c: ReplyClass) -> Result<()> { Err(todo()) }
pub async fn archive(_e: &Engine, _a: &Access, _r: Uuid) -> Result<()> { Err(todo()) }
pub async fn snooze(_e: &Engine, _a: &Access, _r: Uuid, _d: NaiveDate) -> Result<()> { Err(todo()) }
pub async fn meeting_booked(_e: &Engine, _a: &Access, _r: Uuid) -> Result<bool> { Err(todo()) }
pub async fn note(_e: &Engine, _a: &Access, _l: LeadId, _t: &str) -> Result<TimelineEntry> { Err(todo()) }
pub async fn timeline(_e: &Engine, _a: &Access, _l: LeadId, _b: Option<(DateTime<Utc>, Uuid)>) -> Result<TimelinePage> { Err(todo()) }
pub async fn feed(_e: &Engine, _a: &Access, _n: i64) -> Result<Vec<TimelineEntry>> { Err(todo()) }
pub async fn dashboard(_e: &Engine, _a: &Access) -> Result<DashboardNumbers> { Err(todo()) }
