//! `intake letters`: the mailroom's letters from the command line, the same
//! batches as the letters page.

use std::io::Write;

use anyhow::Context;
use time::OffsetDateTime;
use uuid::Uuid;

use intake_service::config::Config;
use intake_service::letters;
use intake_service::store::{LetterHand, MarkedSent, Store};

#[derive(clap::Subcommand)]
pub enum LettersCommand {
    /// Print every pending letter into one PDF (one letter per page) and
    /// record them as a batch; `--batch` prints a batch again.
    Print {
        #[arg(short, long)]
        output: std::path::PathBuf,
        /// Only this office's letters [default: every office]
        #[arg(long, conflicts_with = "batch")]
        office: Option<String>,
        /// Print this batch's letters again (those not yet sent).
        #[arg(long)]
        batch: Option<Uuid>,
    },
    /// After posting a batch: close each of its registrations as "letter
    /// sent" (audited).
    MarkSent { batch: Uuid },
}

fn hand() -> LetterHand {
    LetterHand {
        staff: None,
        name: std::env::var("USER").unwrap_or_else(|_| "intake letters".into()),
    }
}

pub async fn run(config: &Config, store: &Store, command: LettersCommand) -> anyhow::Result<()> {
    let now = OffsetDateTime::now_utc();
    match command {
        LettersCommand::Print {
            output,
            office,
            batch,
        } => {
            if let Some(office) = &office {
                anyhow::ensure!(
                    config.office(office).is_some(),
                    "no office `{office}` in the settings"
                );
            }
            // Made before anything is recorded: a file that cannot be
            // written records no batch.
            let mut file = std::fs::File::create_new(&output)
                .with_context(|| format!("creating {} (it must not exist)", output.display()))?;
            let list = letters::letter_list(store, config, office.as_deref(), now).await?;
            let printed = match batch {
                Some(batch) => letters::reprint(store, config, batch, &hand(), now).await?,
                None => {
                    letters::print_pending(store, config, office.as_deref(), &hand(), now).await?
                }
            };
            for (due, problem) in &list.for_caseworker {
                println!(
                    "not printed, listed for the caseworkers: {} ({})",
                    due.registration.reference,
                    problem.code().replace('_', " ")
                );
            }
            let Some(printed) = printed else {
                drop(file);
                std::fs::remove_file(&output).ok();
                println!("no letters to print");
                return Ok(());
            };
            write(&mut file, &printed.pdf).with_context(|| {
                format!(
                    "writing {}; the batch {} is recorded: print it again with --batch {}",
                    output.display(),
                    printed.id,
                    printed.id
                )
            })?;
            println!(
                "{} letters in {}, batch {}; once they are posted: intake letters mark-sent {}",
                printed.letters,
                output.display(),
                printed.id,
                printed.id
            );
            Ok(())
        }
        LettersCommand::MarkSent { batch } => {
            match store.mark_letter_batch_sent(batch, &hand(), now).await? {
                MarkedSent::Done { closed, skipped } => {
                    println!("batch {batch} sent: {closed} registrations closed as letter sent");
                    if skipped > 0 {
                        println!(
                            "{skipped} were withdrawn or closed meanwhile and left as they were"
                        );
                    }
                    Ok(())
                }
                MarkedSent::AlreadySent(at) => {
                    anyhow::bail!("batch {batch} was marked sent already ({at})")
                }
                MarkedSent::NotFound => anyhow::bail!("no letter batch {batch}"),
            }
        }
    }
}

/// The PDF on disk before the command says it is there.
fn write(file: &mut std::fs::File, pdf: &[u8]) -> std::io::Result<()> {
    file.write_all(pdf)?;
    file.sync_all()
}
