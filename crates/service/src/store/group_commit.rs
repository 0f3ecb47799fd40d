//! Group commit for SQLite: one writer task stores every web submission
//! waiting at that moment in one transaction, with one sync to disk, and
//! answers each only after that commit. SQLite has one writer anyway; this
//! turns its queue into batches instead of a disk sync per submission.

use sqlx::AnyPool;
use tokio::sync::{mpsc, oneshot};

use super::limits::RateKey;
use super::registrations::{NewRegistration, Submission, submit_in};
use super::{Backend, StoreError};
use crate::config::Limits;

/// Most submissions in one transaction: bounds the latency of the first.
const MAX_BATCH: usize = 64;

struct Request {
    new: NewRegistration,
    client: RateKey,
    limits: Limits,
    reply: oneshot::Sender<Result<Submission, StoreError>>,
}

#[derive(Clone)]
pub(super) struct GroupCommit {
    requests: mpsc::Sender<Request>,
}

impl GroupCommit {
    pub(super) fn start(writer: AnyPool, backend: Backend) -> GroupCommit {
        let (requests, receiver) = mpsc::channel(1024);
        tokio::spawn(run(writer, backend, receiver));
        GroupCommit { requests }
    }

    pub(super) async fn submit(
        &self,
        new: NewRegistration,
        client: RateKey,
        limits: Limits,
    ) -> Result<Submission, StoreError> {
        let (reply, answer) = oneshot::channel();
        let request = Request {
            new,
            client,
            limits,
            reply,
        };
        self.requests
            .send(request)
            .await
            .map_err(|_| StoreError::WriterStopped)?;
        answer.await.map_err(|_| StoreError::WriterStopped)?
    }
}

async fn run(writer: AnyPool, backend: Backend, mut receiver: mpsc::Receiver<Request>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
        store_batch(&writer, backend, &mut batch).await;
    }
}

/// Stores a batch; every request is answered, with its own outcome once the
/// commit is durable, or with the error if the transaction failed.
async fn store_batch(writer: &AnyPool, backend: Backend, batch: &mut Vec<Request>) {
    let mut outcomes = Vec::with_capacity(batch.len());
    let committed = async {
        let mut tx = super::begin_write(writer, backend).await?;
        for request in batch.iter() {
            let outcome = submit_in(
                &mut tx,
                backend,
                &request.new,
                &request.client,
                &request.limits,
            )
            .await;
            outcomes.push(outcome);
        }
        tx.commit().await?;
        Ok::<_, StoreError>(())
    }
    .await;
    let mut outcomes = outcomes.into_iter();
    for request in batch.drain(..) {
        let outcome = match &committed {
            Ok(()) => outcomes.next().unwrap_or(Err(StoreError::WriterStopped)),
            Err(error) => Err(StoreError::BatchFailed(error.to_string())),
        };
        // The submitter may have gone (client hung up): nothing to tell.
        let _ = request.reply.send(outcome);
    }
}
