//! Emails: multipart (plain text and HTML) messages built with `lettre`, sent over SMTP when `smtp-url` is set,
//! otherwise written as `.eml` files under the mail directory (so a developer sees what would have been sent).

use super::{public_url, EmailPayload, Failure};
use crate::server::state::AppState;
use crate::server::store::Delivery;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};

/// An email written out in full when it was queued (account emails, notices about an endpoint).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Written {
    pub subject: String,
    pub text: String,
}

/// The subject and plain text of `delivery`, as of now.
pub(crate) async fn compose(app: &AppState, delivery: &Delivery) -> Result<Written, Failure> {
    let Some(job_id) = delivery.job_id else {
        let mut written: Written = serde_json::from_str(&delivery.payload)
            .map_err(|e| Failure::retry(format!("unreadable message: {e}")))?;
        // Every email links to the preferences, account emails included.
        written.text.push_str(&format!(
            "\nChoose which emails about your jobs you get: {}/account#notifications\n",
            public_url(app)
        ));
        return Ok(written);
    };
    let payload: EmailPayload = serde_json::from_str(&delivery.payload).unwrap_or_default();
    let job = app
        .store
        .job_including_deleted(job_id)
        .await
        .map_err(|e| Failure::retry(e.to_string()))?
        .ok_or_else(|| Failure {
            code: None,
            error: format!("job {job_id} no longer exists"),
            permanent: true,
        })?;
    let base = public_url(app);
    let name = &job.job.name;
    let mut text = match (&payload.warning, payload.attention) {
        (_, true) => format!("Job {name} needs attention at the data center.\n\nWhat happened:\n"),
        (Some(_), false) => {
            format!("Before it is too late, about your Import/Export job {name}:\n\n")
        }
        (None, false) => format!("Your Import/Export job {name} changed.\n\nWhat happened:\n"),
    };
    for line in &payload.lines {
        text.push_str(&format!("  - {line}\n"));
    }
    text.push_str(&format!("\nThe job is now: {}\n", job.job.state.as_str()));
    // Drives on their way back: the tracking link first thing after the news.
    if let Some(package) = &job.job.return_package {
        if payload.topics.iter().any(|t| t == "shippedBack") {
            let track =
                lifecycle::shipping::tracking_url(&package.carrier_name, &package.tracking_number)
                    .map(|url| format!(": {url}"))
                    .unwrap_or_default();
            text.push_str(&format!(
                "\nYour drives were shipped back on {} with {}, tracking number {}{track}\n",
                package.ship_date, package.carrier_name, package.tracking_number
            ));
        }
    }
    let next = lifecycle::next_steps(&job.job, app.settings());
    if !next.is_empty() {
        text.push_str("\nWhat happens next:\n");
        for step in &next {
            let when = match (&step.reason, step.allowed_now) {
                (_, true) => String::new(),
                (Some(reason), false) => format!(" ({reason})"),
                (None, false) => String::new(),
            };
            text.push_str(&format!(
                "  - {} → {}{when}\n",
                step.label,
                step.to.as_str()
            ));
        }
    }
    let (page, why) = if payload.attention {
        (
            format!("{base}/staff/jobs/{job_id}"),
            "you subscribed to the attention queue",
        )
    } else {
        (
            format!("{base}/jobs/{job_id}"),
            "notifications about your jobs are on",
        )
    };
    text.push_str(&format!(
        "\nOpen the job: {page}\n\nYou get this email because {why}. Choose which ones you get: \
         {base}/account#notifications\n"
    ));
    let summary = match (&payload.warning, payload.lines.len()) {
        _ if payload.attention => "needs attention".to_string(),
        (Some(title), _) => title.clone(),
        (None, 1) => format!("now {}", job.job.state.as_str()),
        (None, n) => format!("{n} changes, now {}", job.job.state.as_str()),
    };
    Ok(Written {
        subject: format!("Import/Export job {name}: {summary}"),
        text,
    })
}

/// The HTML alternative: the same text, escaped, with its links made clickable.
fn html_of(text: &str) -> String {
    let mut html = String::from(
        "<!doctype html><html><body style=\"font-family: system-ui, sans-serif; line-height: 1.5\">",
    );
    for paragraph in text.split("\n\n") {
        html.push_str("<p>");
        for (i, line) in paragraph.lines().enumerate() {
            if i > 0 {
                html.push_str("<br>");
            }
            let mut words = Vec::new();
            for word in line.split(' ') {
                let escaped = html_escape::encode_text(word).to_string();
                if word.starts_with("http://") || word.starts_with("https://") {
                    let href = html_escape::encode_double_quoted_attribute(word);
                    words.push(format!("<a href=\"{href}\">{escaped}</a>"));
                } else {
                    words.push(escaped);
                }
            }
            html.push_str(&words.join(" "));
        }
        html.push_str("</p>");
    }
    html.push_str("</body></html>");
    html
}

/// The host part of message ids: the public address's host.
fn id_host(app: &AppState) -> String {
    let url = public_url(app);
    url.split("://")
        .nth(1)
        .and_then(|rest| rest.split(['/', ':']).next())
        .filter(|h| !h.is_empty())
        .unwrap_or("portal.invalid")
        .to_string()
}

/// Builds the message of `delivery` (the same Message-ID on every attempt, for de-duplication).
pub async fn message(app: &AppState, delivery: &Delivery) -> Result<Message, Failure> {
    let written = compose(app, delivery).await?;
    let permanent = |e: String| Failure {
        code: None,
        error: e,
        permanent: true,
    };
    let from: Mailbox = app
        .config
        .notifications
        .mail_from
        .parse()
        .map_err(|e| permanent(format!("mail-from is not an address: {e}")))?;
    let to: Mailbox = delivery
        .recipient
        .parse()
        .map_err(|e| permanent(format!("not an email address: {e}")))?;
    Message::builder()
        .from(from)
        .to(to)
        .subject(written.subject)
        .message_id(Some(format!("<{}@{}>", delivery.message_id, id_host(app))))
        .multipart(MultiPart::alternative_plain_html(
            written.text.clone(),
            html_of(&written.text),
        ))
        .map_err(|e| permanent(format!("cannot build the message: {e}")))
}

/// Sends `delivery` over SMTP, or writes it under the mail directory when no relay is configured.
pub async fn send(app: &AppState, delivery: &Delivery) -> Result<(), Failure> {
    let message = message(app, delivery).await?;
    match &app.config.notifications.smtp_url {
        Some(url) => {
            let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                .map_err(|e| Failure {
                    code: None,
                    error: format!("smtp-url: {e}"),
                    permanent: false,
                })?
                .timeout(Some(std::time::Duration::from_secs(
                    super::ATTEMPT_TIMEOUT_SECS.unsigned_abs(),
                )))
                .build();
            transport.send(message).await.map_err(|e| Failure {
                code: e.status().map(|c| i64::from(u16::from(c))),
                error: e.to_string(),
                permanent: e.is_permanent(),
            })?;
            Ok(())
        }
        None => {
            let dir = &app.config.notifications.mail_dir;
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(|e| Failure::retry(format!("cannot create {}: {e}", dir.display())))?;
            let file = dir.join(format!(
                "{}-{}.eml",
                delivery.created_at.format("%Y%m%dT%H%M%S"),
                delivery.message_id.replace(
                    |c: char| !c.is_ascii_alphanumeric() && c != '-' && c != '_',
                    "_"
                )
            ));
            tokio::fs::write(&file, message.formatted())
                .await
                .map_err(|e| Failure::retry(format!("cannot write {}: {e}", file.display())))?;
            tracing::info!(path = %file.display(), to = %delivery.recipient, "email written (no smtp-url set)");
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_html_part_escapes_the_text_and_links_addresses() {
        let html = html_of("Job <a> changed\n\nOpen: http://x.test/jobs/1?a=1&b=2");
        assert!(html.contains("Job &lt;a&gt; changed"), "{html}");
        assert!(
            html.contains("<a href=\"http://x.test/jobs/1?a=1&amp;b=2\">"),
            "{html}"
        );
    }
}
