use super::*;

fn parse(raw: &str) -> BounceReport {
    parse_bounce(raw.as_bytes())
}

fn perm(list: &[&str]) -> BounceReport {
    BounceReport {
        permanent: list.iter().map(|s| s.to_string()).collect(),
        temporary: vec![],
    }
}

fn temp(list: &[&str]) -> BounceReport {
    BounceReport {
        permanent: vec![],
        temporary: list.iter().map(|s| s.to_string()).collect(),
    }
}

fn dsn(recipient_blocks: &str) -> String {
    format!(
        "From: MAILER-DAEMON@mx.example.net\r\nTo: sender@agency.test\r\nSubject: Undelivered Mail\r\n\
MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n\
--B\r\nContent-Type: text/plain\r\n\r\nThe mail system\r\n\r\n--B\r\n\
Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.net\r\n\r\n{recipient_blocks}\r\n--B--\r\n"
    )
}

#[test]
fn a_dsn_with_a_5xx_status_is_permanent() {
    let raw =
        dsn("Final-Recipient: rfc822; gone@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n");
    assert_eq!(parse(&raw), perm(&["gone@example.com"]));
}

#[test]
fn a_dsn_with_a_4xx_status_or_a_delayed_action_is_temporary() {
    let raw = dsn(
        "Final-Recipient: rfc822; full@example.com\r\nAction: failed\r\nStatus: 4.2.2\r\n\r\n\
Final-Recipient: rfc822;<slow@example.com>\r\nAction: delayed\r\nStatus: 4.4.1\r\n",
    );
    assert_eq!(parse(&raw), temp(&["full@example.com", "slow@example.com"]));
}

#[test]
fn a_dsn_prefers_the_original_recipient_we_sent_to() {
    let raw = dsn(
        "Original-Recipient: rfc822;Jane@Example.com\r\nFinal-Recipient: rfc822; jane@mail.example.com\r\n\
Action: failed\r\nStatus: 5.2.1\r\n",
    );
    assert_eq!(parse(&raw), perm(&["Jane@Example.com"]));
}

#[test]
fn a_dsn_without_status_falls_back_to_the_diagnostic_code_then_the_action() {
    let raw = dsn(
        "Final-Recipient: rfc822; a@example.com\r\nAction: failed\r\nDiagnostic-Code: smtp; 452 mailbox full\r\n\r\n\
Final-Recipient: rfc822; b@example.com\r\nAction: failed\r\n",
    );
    assert_eq!(
        parse(&raw),
        BounceReport {
            permanent: vec!["b@example.com".into()],
            temporary: vec!["a@example.com".into()],
        }
    );
}

#[test]
fn a_dsn_folded_field_is_unfolded() {
    let raw = dsn("Final-Recipient: rfc822;\r\n  folded@example.com\r\nAction: failed\r\nStatus:\r\n 5.1.1\r\n");
    assert_eq!(parse(&raw), perm(&["folded@example.com"]));
}

#[test]
fn a_delivery_success_notice_yields_nothing() {
    let raw =
        dsn("Final-Recipient: rfc822; ok@example.com\r\nAction: delivered\r\nStatus: 2.0.0\r\n");
    assert!(parse(&raw).is_empty());
}

#[test]
fn a_recipient_reported_both_ways_counts_as_permanent() {
    let raw = dsn(
        "Final-Recipient: rfc822; twice@example.com\r\nAction: delayed\r\nStatus: 4.4.1\r\n\r\n\
Final-Recipient: rfc822; TWICE@example.com\r\nAction: failed\r\nStatus: 5.4.4\r\n",
    );
    assert_eq!(parse(&raw), perm(&["TWICE@example.com"]));
}

#[test]
fn qmail_reports_list_recipients_in_angle_brackets() {
    let raw =
        "From: MAILER-DAEMON@mx.example.net\nTo: sender@agency.test\nSubject: failure notice\n\n\
Hi. This is the qmail-send program at mx.example.net.\n\
I'm afraid I wasn't able to deliver your message to the following addresses.\n\
This is a permanent error; I've given up. Sorry it didn't work out.\n\n\
<nobody@example.org>:\nremote host said: 550 5.1.1 unknown user\n\n\
<quota@example.org>:\nremote host said: 452 4.2.2 over quota\n\n\
--- Below this line is a copy of the message.\n\nTo: other@example.org\n";
    assert_eq!(
        parse(raw),
        BounceReport {
            permanent: vec!["nobody@example.org".into()],
            temporary: vec!["quota@example.org".into()],
        }
    );
}

#[test]
fn exim_permanent_and_retry_timeout_reports_are_told_apart() {
    let permanent = [
        "From: Mail Delivery System <Mailer-Daemon@mx.example.net>",
        "To: sender@agency.test",
        "Subject: Mail delivery failed: returning message to sender",
        "",
        "This message was created automatically by mail delivery software.",
        "",
        "A message that you sent could not be delivered to one or more of its",
        "recipients. This is a permanent error. The following address(es) failed:",
        "",
        "  lost@example.com",
        "    host mx.example.com [192.0.2.1]: 550 No such user",
        "",
    ]
    .join("\n");
    assert_eq!(parse(&permanent), perm(&["lost@example.com"]));
    let timeout = permanent
        .replace("This is a permanent error. ", "")
        .replace(
            "host mx.example.com [192.0.2.1]: 550 No such user",
            "retry timeout exceeded",
        );
    assert_eq!(parse(&timeout), temp(&["lost@example.com"]));
}

#[test]
fn sendmail_warnings_are_temporary() {
    let raw =
        "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.net>\nTo: sender@agency.test\n\
Subject: Warning: could not send message for past 4 hours\n\n\
    **********************************************\n\
    **      THIS IS A WARNING MESSAGE ONLY      **\n\
    **  YOU DO NOT NEED TO RESEND YOUR MESSAGE  **\n\
    **********************************************\n\n\
The original message was received at Mon, 1 Jan 2024 10:00:00 GMT\n\n\
   ----- Transcript of session follows -----\n\
<later@example.com>... Deferred: Connection timed out with mx.example.com.\n\
Warning: message still undelivered after 4 hours\n";
    assert_eq!(parse(raw), temp(&["later@example.com"]));
}

#[test]
fn exchange_lists_recipients_after_a_display_name() {
    let raw =
        "From: postmaster@corp.example\nTo: sender@agency.test\nSubject: Undeliverable: Hello\n\n\
Delivery has failed to these recipients or groups:\n\n\
Adam Smith (adam@corp.example)\n\
The e-mail address you entered couldn't be found.\n\n\
Diagnostic information for administrators:\n\n\
Generating server: mail.corp.example\n\n\
adam@corp.example\n#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##\n";
    assert_eq!(parse(raw), perm(&["adam@corp.example"]));
}

#[test]
fn groupwise_and_yahoo_texts_are_read() {
    let gw = "From: Mailer-Daemon@gw.example\nTo: sender@agency.test\nSubject: Message status - undeliverable\n\n\
The message that you sent was undeliverable to the following:\n\
\tbob@gw.example (user not found)\n\n\
Possible causes: User does not exist\n";
    assert_eq!(parse(gw), perm(&["bob@gw.example"]));
    let yahoo =
        "From: MAILER-DAEMON@yahoo.example\nTo: sender@agency.test\nSubject: Failure Notice\n\n\
Sorry, we were unable to deliver your message to the following address.\n\n\
<carol@example.org>:\nRemote host said: 550 5.1.1 <carol@example.org>... User Unknown [RCPT_TO]\n\n\
--- Below this line is a copy of the message.\n";
    assert_eq!(parse(yahoo), perm(&["carol@example.org"]));
}

#[test]
fn gmail_text_bounces_are_read() {
    let raw = "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\nTo: sender@agency.test\n\
Subject: Delivery Status Notification (Failure)\n\n\
Delivery to the following recipient failed permanently:\n\n     dave@example.jp\n\n\
Technical details of permanent failure:\nThe error that the other server returned was:\n\
550 5.1.1 <dave@example.jp>... User Unknown\n\n----- Original message -----\n\nTo: dave@example.jp\n";
    assert_eq!(parse(raw), perm(&["dave@example.jp"]));
}

#[test]
fn a_plain_user_unknown_text_from_a_daemon_is_a_bounce() {
    let raw = "From: postmaster@small.example\nTo: sender@agency.test\nSubject: Returned mail\n\n\
erin@small.example: user unknown\n";
    assert_eq!(parse(raw), perm(&["erin@small.example"]));
}

#[test]
fn an_ordinary_reply_is_not_a_bounce() {
    let raw = "From: Jane <jane@client.example>\nTo: sender@agency.test\nSubject: Re: intro\n\n\
Thanks — the address you had, old@client.example, does not exist any more; use jane@client.example.\n";
    assert!(parse(raw).is_empty());
}

#[test]
fn an_out_of_office_reply_is_not_a_bounce() {
    let raw =
        "From: Jane <jane@client.example>\nTo: sender@agency.test\nAuto-Submitted: auto-replied\n\
Subject: Automatic reply: intro\n\nI am out of the office until Monday. For urgent matters contact \
bob@client.example.\n";
    assert!(parse(raw).is_empty());
}

#[test]
fn feedback_reports_and_read_receipts_are_not_bounces() {
    let arf = "From: abuse@isp.example\nTo: sender@agency.test\nSubject: complaint\n\
Content-Type: multipart/report; report-type=feedback-report; boundary=\"X\"\n\n--X\n\
Content-Type: message/delivery-status\n\nFinal-Recipient: rfc822; x@isp.example\nAction: failed\nStatus: 5.0.0\n\n--X--\n";
    assert!(parse(arf).is_empty());
}

#[test]
fn the_copy_of_the_original_message_is_never_read_as_the_report() {
    let raw = "From: MAILER-DAEMON@mx.example.net\nTo: sender@agency.test\nSubject: failure notice\n\n\
Hi. This is the qmail-send program at mx.example.net.\n\n<real@example.org>:\n550 no mailbox\n\n\
--- Below this line is a copy of the message.\n\nTo: cc-victim@example.org\ncc-victim@example.org\n";
    assert_eq!(parse(raw), perm(&["real@example.org"]));
}

#[test]
fn garbage_and_empty_input_yield_nothing() {
    assert!(parse_bounce(b"").is_empty());
    assert!(parse_bounce(&[0xff, 0xfe, 0x00, b'@', b'\n']).is_empty());
    let long_line = "a@".repeat(200_000);
    assert!(parse(&long_line).is_empty());
}

#[test]
fn the_report_serialises_to_the_cli_shape() {
    let json = serde_json::to_string(&perm(&["a@b.example"])).unwrap();
    assert_eq!(json, r#"{"permanent":["a@b.example"],"temporary":[]}"#);
}

#[test]
fn an_empty_message_nested_in_a_message_part_does_not_trip_mail_parser() {
    // Found by cargo fuzz (debug assertions on): mail-parser 0.11 asserts on this structure.
    let raw = "Content-Type: multipart/report; report-type=delivery-status;\n\tboundary=\"b\"\n\n\
--b\nContent-Type: message/rfc822\n\nContent-Type: message/rfc822\n\n\n--b--\n";
    assert!(parse(raw).is_empty());
}

#[test]
fn a_digest_of_messages_does_not_trip_mail_parser() {
    let raw = "Content-Type: multipart/digest; boundary=\"d\"\n\n--d\n\nContent-Type: message/global\n\n\n--d--\n";
    assert!(parse(raw).is_empty());
}

#[test]
fn a_delivery_status_subtype_is_not_renamed() {
    let raw =
        dsn("Final-Recipient: rfc822; gone@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n")
            .replace("message/delivery-status", "message/global-delivery-status");
    assert_eq!(parse(&raw), perm(&["gone@example.com"]));
}

#[test]
fn exim_names_the_sender_and_received_lines_are_not_recipients() {
    let raw = [
        "From: Mail Delivery System <Mailer-Daemon@mx.example.net>",
        "To: someone@agency.test",
        "Subject: Mail delivery failed",
        "",
        "This message was created automatically by mail delivery software.",
        "",
        "A message sent by",
        "",
        "  <sender@agency.test>",
        "",
        "could not be delivered to one or more of its recipients. The following",
        "address(es) failed:",
        "",
        "  gone@example.org",
        "    550 unknown user",
        "-----------------------------------------",
        "Received: from mx.agency.test",
        "\tfor <other@example.org>; Thu, 29 Apr 2009 23:34:45 +0900",
    ]
    .join("\n");
    assert_eq!(parse(&raw), perm(&["gone@example.org"]));
}

#[test]
fn bare_cr_line_ends_are_read_like_lf() {
    let raw = "From: MAILER-DAEMON@mx.example.net\rTo: sender@agency.test\rSubject: failure notice\r\r\
Hi. This is the qmail-send program at mx.example.net.\r\r<gone@example.org>:\r550 5.1.1 no mailbox\r";
    assert_eq!(parse(raw), perm(&["gone@example.org"]));
}

#[test]
fn recipient_lead_ins_with_a_colon_are_read() {
    for line in [
        "Intended recipient: gone@example.org",
        "Delivery failed 20 attempts: gone@example.org",
        "Invalid final delivery userid: gone@example.org",
        "User mailbox exceeds allowed size: gone@example.org",
        "\tRecipient: [SMTP:gone@example.org]",
        "c=US;a= ;p=CORP;o=Nexus2;dda:SMTP=gone@example.org; on Fri, 4 Oct 2002",
        "554 <gone@example.org>... Remote protocol error",
    ] {
        let raw = format!("From: postmaster@mx.example.net\nTo: sender@agency.test\nSubject: Undeliverable Mail\n\n{line}\nOriginal message follows.\n\nTo: other@example.org\n");
        assert_eq!(parse(&raw), perm(&["gone@example.org"]), "{line}");
    }
}

#[test]
fn contacts_list_owners_and_explanations_are_not_recipients() {
    let raw =
        "From: MAILER-DAEMON@lists.example.net\nTo: sender@agency.test\nSubject: Returned mail\n\n\
Your message to gone@example.org could not be delivered: user unknown.\n\
If you think that your messages are being rejected in error, contact the mailing list owner at\n\
list-owner@lists.example.net.\n\
For help, please send mail to help@lists.example.net\n";
    assert_eq!(parse(raw), perm(&["gone@example.org"]));
}

#[test]
fn a_report_naming_nobody_falls_back_to_the_single_to_of_the_returned_copy() {
    let copy = |extra: &str| {
        format!("From: MAILER-DAEMON@mx.example.net\nTo: sender@agency.test\nSubject: Undeliverable Message\n\n\
Message could not be delivered to mobile.\nError: No valid recipients for this MM\n\nOriginal Message:\n\
From: Sam <sender@agency.test>\nTo: 5550100@mms.example.com\n{extra}Subject: hi\n\nhello\n")
    };
    assert_eq!(parse(&copy("")), perm(&["5550100@mms.example.com"]));
    // With several recipients (or a list's message) the failed one is unknown.
    assert!(parse(&copy("Cc: other@example.com\n")).is_empty());
    assert!(parse(&copy("List-Id: <talk.lists.example.com>\n")).is_empty());
}

#[test]
fn a_bounce_wrapped_by_a_gateway_is_read_from_the_attachment() {
    let inner =
        dsn("Final-Recipient: rfc822; gone@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n");
    let raw = format!("From: postmaster@gw.example.net\r\nTo: sender@agency.test\r\nSubject: Delivery Status Notification (Failure)\r\n\
MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"W\"\r\n\r\n--W\r\nContent-Type: text/plain\r\n\r\nScanned.\r\n\
--W\r\nContent-Type: message/rfc822\r\n\r\n{inner}\r\n--W--\r\n");
    assert_eq!(parse(&raw), perm(&["gone@example.com"]));
}

#[test]
fn a_sieve_rejection_is_a_bounce_and_a_read_receipt_is_not() {
    let mdn = |disposition: &str| {
        format!("From: Mail Delivery Subsystem <admin@mx.example.net>\nTo: sender@agency.test\nSubject: Automatically rejected mail\n\
MIME-Version: 1.0\nContent-Type: multipart/report; report-type=disposition-notification; boundary=\"M\"\n\n\
--M\nContent-Type: text/plain\n\nYour message to <full@example.com> was automatically rejected:\nQuota exceeded\n\n\
--M\nContent-Type: message/disposition-notification\n\nReporting-UA: mail; Dovecot Mail Delivery Agent\n\
Final-Recipient: rfc822; full@example.com\nDisposition: {disposition}\n\n--M--\n")
    };
    assert_eq!(
        parse(&mdn("automatic-action/MDN-sent-automatically; deleted")),
        perm(&["full@example.com"])
    );
    assert!(parse(&mdn("manual-action/MDN-sent-manually; displayed")).is_empty());
}

#[test]
fn an_html_only_report_keeps_its_lines() {
    let raw = "From: MAILER-DAEMON@mx.example.net\nTo: sender@agency.test\nSubject: Undeliverable\n\
Content-Type: text/html\n\n<html><body><p>Delivery has failed to these recipients or groups:</p>\
<p><a href=\"mailto:gone@example.org\">gone@example.org</a><br>The e-mail address couldn&#39;t be found.</p></body></html>\n";
    assert_eq!(parse(raw), perm(&["gone@example.org"]));
}

#[test]
fn dsn_blocks_run_together_are_still_two_recipients() {
    let raw = dsn(
        "Final-Recipient: rfc822; a@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n\
Final-Recipient: rfc822; b@example.com\r\nAction: failed\r\nStatus: 4.2.2\r\n",
    );
    assert_eq!(
        parse(&raw),
        BounceReport {
            permanent: vec!["a@example.com".into()],
            temporary: vec!["b@example.com".into()],
        }
    );
}
