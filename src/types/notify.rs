//! NOTIFY (RFC 5465): which mailboxes to watch and for which events (the types; the encoder
//! is in `wire/notify.rs`, the command in `extensions/notify.rs`).

use super::{FetchItems, MailboxName, ResponseCode};

/// Which mailboxes an event group of `NOTIFY SET` covers (RFC 5465 section 6).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NotifyMailboxes {
    /// `SELECTED`: the selected mailbox; its events come as EXISTS, EXPUNGE and FETCH, at
    /// any time (use UID commands: sequence numbers may shift under a command).
    Selected,
    /// `SELECTED-DELAYED`: the selected mailbox, with expunges held back until a command
    /// that allows them (NOOP, IDLE, ...), so sequence numbers stay stable.
    SelectedDelayed,
    /// `INBOXES`: every mailbox new mail may be delivered to.
    Inboxes,
    /// `PERSONAL`: every mailbox of the user's personal namespace.
    Personal,
    /// `SUBSCRIBED`: every subscribed mailbox.
    Subscribed,
    /// `SUBTREE`: these mailboxes and every mailbox below them.
    Subtree(Vec<MailboxName>),
    /// `MAILBOXES`: exactly these mailboxes.
    Mailboxes(Vec<MailboxName>),
}

impl NotifyMailboxes {
    /// Does it name the selected mailbox (`SELECTED` or `SELECTED-DELAYED`)?
    pub fn is_selected(&self) -> bool {
        matches!(
            self,
            NotifyMailboxes::Selected | NotifyMailboxes::SelectedDelayed
        )
    }
}

/// An event a client may ask NOTIFY for (RFC 5465 section 5, the events of RFC 5423).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum NotifyEvent {
    /// `MessageNew`: a message arrived. For the selected mailbox the server may send the
    /// FETCH items given here (`MessageNew (UID FLAGS)`) with each new message's EXISTS;
    /// for other mailboxes it sends STATUS. Needs [`MessageExpunge`](Self::MessageExpunge)
    /// in the same group.
    MessageNew(Option<FetchItems>),
    /// `MessageExpunge`: a message was expunged. Needs
    /// [`MessageNew`](Self::MessageNew) in the same group.
    MessageExpunge,
    /// `FlagChange`: a message's flags changed. Needs `MessageNew` and `MessageExpunge`.
    FlagChange,
    /// `AnnotationChange`: a message's annotations changed. Needs `MessageNew` and
    /// `MessageExpunge`.
    AnnotationChange,
    /// `MailboxName`: a mailbox was created, deleted or renamed (sent as LIST).
    MailboxName,
    /// `SubscriptionChange`: a mailbox was subscribed or unsubscribed (sent as LIST).
    SubscriptionChange,
    /// `MailboxMetadataChange`: a mailbox's METADATA changed (RFC 5464).
    MailboxMetadataChange,
    /// `ServerMetadataChange`: the server's METADATA changed (RFC 5464).
    ServerMetadataChange,
}

impl NotifyEvent {
    /// `MessageNew` without FETCH items.
    pub fn message_new() -> Self {
        NotifyEvent::MessageNew(None)
    }

    /// The event's name as NOTIFY writes it (`MessageNew`, `FlagChange`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            NotifyEvent::MessageNew(_) => "MessageNew",
            NotifyEvent::MessageExpunge => "MessageExpunge",
            NotifyEvent::FlagChange => "FlagChange",
            NotifyEvent::AnnotationChange => "AnnotationChange",
            NotifyEvent::MailboxName => "MailboxName",
            NotifyEvent::SubscriptionChange => "SubscriptionChange",
            NotifyEvent::MailboxMetadataChange => "MailboxMetadataChange",
            NotifyEvent::ServerMetadataChange => "ServerMetadataChange",
        }
    }

    /// The message events for one group: `MessageNew MessageExpunge FlagChange`.
    pub fn messages() -> Vec<NotifyEvent> {
        vec![
            NotifyEvent::message_new(),
            NotifyEvent::MessageExpunge,
            NotifyEvent::FlagChange,
        ]
    }
}

/// One event group of `NOTIFY SET`: mailboxes and the events asked for on them. An empty
/// list of events is sent as `NONE`: no events from those mailboxes (RFC 5465 section 3.1).
#[derive(Debug, Clone, PartialEq)]
pub struct NotifyGroup {
    pub(crate) mailboxes: NotifyMailboxes,
    pub(crate) events: Vec<NotifyEvent>,
}

impl NotifyGroup {
    /// A group: these mailboxes, these events (none: `NONE`).
    pub fn new(mailboxes: NotifyMailboxes, events: impl IntoIterator<Item = NotifyEvent>) -> Self {
        NotifyGroup {
            mailboxes,
            events: events.into_iter().collect(),
        }
    }

    /// The mailboxes.
    pub fn mailboxes(&self) -> &NotifyMailboxes {
        &self.mailboxes
    }

    /// The events (empty for `NONE`).
    pub fn events(&self) -> &[NotifyEvent] {
        &self.events
    }
}

/// What [`Session::notify`](crate::Session::notify) asks for: `NOTIFY SET [STATUS]` and
/// its event groups (RFC 5465 section 3.1).
///
/// ```
/// use blocking_imap::{NotifyEvent, NotifyMailboxes, NotifySet};
/// let set = NotifySet::new()
///     .status()
///     .group(NotifyMailboxes::Selected, NotifyEvent::messages())
///     .group(
///         NotifyMailboxes::Personal,
///         [NotifyEvent::message_new(), NotifyEvent::MessageExpunge, NotifyEvent::MailboxName],
///     );
/// assert_eq!(set.groups().len(), 2);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NotifySet {
    pub(crate) status: bool,
    pub(crate) groups: Vec<NotifyGroup>,
}

impl NotifySet {
    /// No groups yet.
    pub fn new() -> Self {
        NotifySet::default()
    }

    /// `STATUS`: the server answers with a STATUS of every non-selected mailbox the
    /// groups name, at once, so that the client starts from known counters.
    pub fn status(mut self) -> Self {
        self.status = true;
        self
    }

    /// Adds an event group.
    pub fn group(
        mut self,
        mailboxes: NotifyMailboxes,
        events: impl IntoIterator<Item = NotifyEvent>,
    ) -> Self {
        self.groups.push(NotifyGroup::new(mailboxes, events));
        self
    }

    /// The usual set for watching an account: the selected mailbox's messages (new,
    /// expunged, flags) and, for every personal mailbox, the same plus mailbox names
    /// (created, deleted, renamed) and subscriptions, with `STATUS`.
    pub fn account() -> Self {
        let mut others = NotifyEvent::messages();
        others.extend([NotifyEvent::MailboxName, NotifyEvent::SubscriptionChange]);
        NotifySet::new()
            .status()
            .group(NotifyMailboxes::Selected, NotifyEvent::messages())
            .group(NotifyMailboxes::Personal, others)
    }

    /// Was `STATUS` asked for?
    pub fn wants_status(&self) -> bool {
        self.status
    }

    /// The event groups.
    pub fn groups(&self) -> &[NotifyGroup] {
        &self.groups
    }
}

/// The events a `[BADEVENT ...]` response code names (RFC 5465 section 5): the events of a
/// `NOTIFY SET` the server does not support, as it wrote them, with or without the
/// parentheses of the RFC's grammar (Dovecot leaves them out). `None` for any other code.
///
/// ```
/// # use blocking_imap::{bad_events, ResponseCode};
/// let code = ResponseCode::Other { name: "BADEVENT".into(), args: Some("(AnnotationChange)".into()) };
/// assert_eq!(bad_events(&code), Some(vec!["AnnotationChange".to_string()]));
/// ```
pub fn bad_events(code: &ResponseCode) -> Option<Vec<String>> {
    match code {
        ResponseCode::Other { name, args } if name.eq_ignore_ascii_case("BADEVENT") => {
            let args = args.as_deref().unwrap_or_default();
            Some(
                args.split([' ', '(', ')'])
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
            )
        }
        _ => None,
    }
}
