//! The lifecycle worded for its reader: the customer reads "you" and never staff jargon, staff read
//! "the customer" and never "you"; every state has its own sentence for each.

use lifecycle::graph::Trigger;
use lifecycle::wording::{by, current, drive_meaning, job_meaning, Reader};
use lifecycle::{DriveState, JobState};

fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_ascii_lowercase())
        .collect()
}

fn all_sentences(reader: Reader) -> Vec<&'static str> {
    let jobs = JobState::ALL.iter().map(|s| job_meaning(*s, reader));
    let drives = DriveState::ALL.iter().map(|s| drive_meaning(*s, reader));
    jobs.chain(drives).collect()
}

#[test]
fn the_customer_is_addressed_as_you_and_never_in_staff_jargon() {
    for sentence in all_sentences(Reader::Customer) {
        let w = words(sentence);
        for jargon in ["customer", "operator", "intake", "terminal", "timer"] {
            assert!(
                !w.contains(&jargon.to_string()),
                "{sentence:?} says {jargon}"
            );
        }
    }
    assert!(job_meaning(JobState::Shipping, Reader::Customer).starts_with("You shipped"));
    assert_eq!(by(Trigger::Customer, Reader::Customer), "by you");
    assert_eq!(
        by(Trigger::Operator, Reader::Customer),
        "by the data center"
    );
}

#[test]
fn staff_read_about_the_customer_and_never_you() {
    for sentence in all_sentences(Reader::Staff) {
        let w = words(sentence);
        for second_person in ["you", "your"] {
            assert!(
                !w.contains(&second_person.to_string()),
                "{sentence:?} says {second_person}"
            );
        }
    }
    assert!(job_meaning(JobState::Shipping, Reader::Staff).contains("Customer"));
    assert_eq!(by(Trigger::Operator, Reader::Staff), "operator");
    assert_eq!(current(Reader::Staff), "Current state");
}

#[test]
fn every_state_has_its_own_sentence_for_each_reader() {
    for reader in [Reader::Customer, Reader::Staff] {
        let jobs: Vec<&str> = JobState::ALL
            .iter()
            .map(|s| job_meaning(*s, reader))
            .collect();
        let drives: Vec<&str> = DriveState::ALL
            .iter()
            .map(|s| drive_meaning(*s, reader))
            .collect();
        for list in [&jobs, &drives] {
            let mut unique = list.to_vec();
            unique.sort();
            unique.dedup();
            assert_eq!(unique.len(), list.len(), "{reader:?}: {list:?}");
        }
    }
    for state in JobState::ALL {
        assert_ne!(
            job_meaning(state, Reader::Customer),
            job_meaning(state, Reader::Staff)
        );
    }
    for state in DriveState::ALL {
        assert_ne!(
            drive_meaning(state, Reader::Customer),
            drive_meaning(state, Reader::Staff)
        );
    }
}
