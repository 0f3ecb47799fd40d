//! The callback queue: every open registration from both channels, in due
//! order; claims as time-limited leases that only one caseworker can hold;
//! call attempts and what follows from them; closing with a result. Every
//! change is written with its audit entry in one transaction.

mod attempts;
mod close;
mod lease;
mod overview;
mod queue;

pub use attempts::{AttemptLogged, CallAttempt, NewCallAttempt};
pub use close::{CloseOutcome, Closing};
pub use lease::{Claim, LeaseHolder, TakeOver};
pub use overview::{ClosedRegistration, DayCount, ExportFormat, Overview};
pub use queue::{CallbackDetail, QueueEntry, QueueFilter};

use super::{StoreError, optional_time};
use intake_core::record::Channel;

/// Statuses a caseworker can claim and work on.
const CALLABLE: &str = "('awaiting_call', 'send_letter')";

pub(super) fn parse_channel(text: &str) -> Result<Channel, StoreError> {
    match text {
        "web" => Ok(Channel::Web),
        "paper" => Ok(Channel::Paper),
        other => Err(StoreError::Corrupt(format!("channel `{other}`"))),
    }
}
