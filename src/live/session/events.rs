//! How the session reacts to what the workers report: a loaded or failed model, a recorded
//! example, training progress, a finished job.

use crate::backbone::ModelSource;
use crate::learn::TrainEvent;
use crate::live::{FeatureCmd, FeatureEvent, JobResult, RuntimeEvent};

use super::model::model_title;
use super::{Notice, Session};

impl Session {
    /// Acts on one worker report; returns what to show. ([`Session::poll`] drains the
    /// workers' channels and calls this for each report; tests may hand in reports of their
    /// own.)
    pub fn on_event(&mut self, event: RuntimeEvent) -> Vec<Notice> {
        self.handle_event(event);
        std::mem::take(&mut self.out)
    }

    pub(super) fn handle_event(&mut self, event: RuntimeEvent) {
        match event {
            RuntimeEvent::BackboneReady => {
                if self.doc.is_none() {
                    self.new_document();
                }
                self.start_features();
                if std::mem::take(&mut self.picked) {
                    self.settings.model = self.rt.backbone().filter(|b| !b.is_builtin()).map(|b| b.id().to_owned());
                }
                self.out.push(Notice::ModelsChanged);
                if let Some((path, recovery)) = self.pending_open.take() {
                    self.open(path, recovery);
                }
            }
            RuntimeEvent::ModelStaged => self.adopt_staged(),
            RuntimeEvent::LoadFailed(message) => {
                self.picked = false;
                self.out.push(Notice::ModelsChanged);
                if let Some(bb) = self.rt.backbone() {
                    let name = model_title(bb.id());
                    self.error(format!("could not load the model: {message} — still using {name}"));
                } else if std::mem::take(&mut self.model_fallback) {
                    self.error(format!("{message} — using the built-in model instead"));
                    self.settings.model = None;
                    self.rt.load_model(ModelSource::Builtin);
                }
            }
            RuntimeEvent::Feature(FeatureEvent::Example(ex)) => {
                let Some(doc) = &mut self.doc else { return };
                let preview = std::sync::Arc::new(ex.preview.clone());
                match doc.add(*ex) {
                    Ok(Some(id)) => self.out.push(Notice::Example { id, preview }),
                    Ok(None) => {}
                    Err(e) => {
                        self.set_recording(None);
                        self.error(e);
                    }
                }
            }
            RuntimeEvent::Feature(FeatureEvent::Error(e)) => self.error(e),
            RuntimeEvent::Feature(FeatureEvent::SinkStopped(reason)) => {
                self.info(format!("{reason} — the model steers the built-in Pac-Man again"));
            }
            RuntimeEvent::Game(_) => {}
            RuntimeEvent::Train(e) => self.on_train(e),
            RuntimeEvent::Job(j) => self.on_job(j),
        }
    }

    pub(super) fn on_train(&mut self, e: TrainEvent) {
        if self.stale_run {
            if matches!(e, TrainEvent::Done { .. } | TrainEvent::Stopped(_)) {
                self.stale_run = false;
                self.run.running = false;
                self.run.outcome = Some(self.stale_why.into());
            }
            return;
        }
        let per = self.run.batches_per_epoch.max(1) as f64;
        match e {
            TrainEvent::Augmenting { done, total } => self.run.augmenting = Some((done, total)),
            TrainEvent::Batch { epoch, batch, loss } => {
                if (epoch, batch) == (1, 1) {
                    self.run.outcome = None;
                }
                self.run.batch_loss.push([(epoch - 1) as f64 + batch as f64 / per, f64::from(loss)]);
            }
            TrainEvent::Epoch { epoch, train_loss, train_acc, val_loss, val_acc } => {
                self.run.epochs_done.push(crate::learn::EpochMetrics {
                    epoch,
                    train_loss,
                    train_acc,
                    val_loss,
                    val_acc,
                });
            }
            TrainEvent::Ready { head } => {
                // The kept head steers now; the validation heads still train (measuring only).
                self.run.ready = true;
                self.steer_with(head);
            }
            TrainEvent::Validated { epoch, val_loss, val_acc } => {
                if let Some(m) = self.run.epochs_done.get_mut(epoch.saturating_sub(1)) {
                    (m.val_loss, m.val_acc) = (Some(val_loss), Some(val_acc));
                }
                self.run.validated = epoch;
            }
            TrainEvent::Done { head, report } => {
                self.run.running = false;
                let acc = match (report.val_accuracy(), report.train_accuracy()) {
                    (Some(v), _) => format!(" — validation accuracy {:.1} %", v * 100.0),
                    (None, Some(t)) => {
                        let why = report.plan.split.no_validation.as_deref().unwrap_or("no examples kept aside");
                        format!(" — training accuracy {:.1} % (not validated: {why})", t * 100.0)
                    }
                    (None, None) => String::new(),
                };
                self.run.outcome = Some(format!("trained in {:.1} s{acc}", report.elapsed.as_secs_f32()));
                self.run.epochs_done.clone_from(&report.epochs);
                if let Some(doc) = &mut self.doc {
                    doc.set_trained(head.clone(), &report);
                }
                self.rt.send_features(FeatureCmd::SetHead(Some(head), super::head_examples(self.doc.as_ref())));
            }
            TrainEvent::Stopped(reason) => {
                self.run.running = false;
                let cancelled = matches!(reason, crate::learn::StopReason::Cancelled);
                let line = reason.to_string();
                if let crate::learn::StopReason::NonFinite { last_good: Some(head), .. } = reason
                    && self.doc.is_some()
                {
                    // The last good head of this run: like a head that steers before
                    // validation, it comes without a record, and the old run's record goes.
                    self.steer_with(*head);
                }
                let line = if cancelled && self.run.ready {
                    "validation stopped: the trained head steers, its accuracy was not measured".to_owned()
                } else {
                    line
                };
                self.run.outcome = Some(line.clone());
                if !cancelled {
                    self.error(line);
                }
            }
        }
    }

    /// Makes `head`, of the run in progress, the project's head (without a record: see
    /// `Document::set_ready`) and the one that steers.
    pub(super) fn steer_with(&mut self, head: crate::learn::Head) {
        if let Some(doc) = &mut self.doc {
            let hyper = self.run.hyper.clone().unwrap_or_else(|| doc.hyper().clone());
            doc.set_ready(head.clone(), hyper);
        }
        self.rt.send_features(FeatureCmd::SetHead(Some(head), super::head_examples(self.doc.as_ref())));
    }

    pub(super) fn on_job(&mut self, j: JobResult) {
        match j {
            JobResult::Saved { path, recovery, revision, result } => match result {
                Ok(()) => {
                    if !recovery {
                        self.settings.remember(path.clone());
                        if let Some(doc) = &mut self.doc {
                            doc.saved(&path, revision);
                        }
                        // The work is safe in its own file now.
                        if let Some(r) = self.options.recovery_file.clone() {
                            let _ = std::fs::remove_file(r);
                        }
                    }
                    if recovery {
                        tracing::info!("autosaved to {}", path.display());
                    } else {
                        self.info(format!("saved {}", path.display()));
                    }
                }
                Err(e) if recovery => self.error(format!("could not autosave to the recovery file: {e}")),
                Err(e) => {
                    self.error(format!("{e} — your examples are still here; try another place (Project > Save as…)"))
                }
            },
            JobResult::Opened { path, recovery, result } => {
                match result {
                    Ok(doc) => {
                        let mut doc = *doc;
                        if recovery {
                            doc.forget_path();
                            self.info(format!("recovered {} unsaved examples from the last session — save them with Project > Save as…", doc.total()));
                        } else {
                            self.settings.remember(path.clone());
                            self.info(format!("opened {} ({} examples)", path.display(), doc.total()));
                        }
                        self.set_document(doc);
                    }
                    Err(e) => self.error(e),
                }
            }
            JobResult::Exported { result } => match result {
                Ok(summary) => self.info(summary),
                Err(e) => self.error(e),
            },
            JobResult::Map { revision: _, result } => self.on_map(result),
            JobResult::Fixed { class, asked, result } => self.fixed(class, asked, result),
            JobResult::Refeaturized { cut: _, result } if self.switching.is_some() => {
                let name = self.switching.take().unwrap_or_default();
                match result {
                    Ok(doc) => {
                        self.rt.commit_model();
                        let doc = match &self.doc {
                            Some(old) => doc.replacing(old),
                            None => *doc,
                        };
                        let n = doc.total();
                        self.set_document(doc);
                        self.model_in_use(&name);
                        self.info(format!(
                            "now using {name}: the features of {n} examples were re-computed from their pictures — train again"
                        ));
                    }
                    Err(e) => {
                        self.rt.discard_staged();
                        self.picked = false;
                        self.start_features();
                        self.error(format!("could not switch to {name}: {e}"));
                    }
                }
            }
            JobResult::Refeaturized { cut: _, result } => match result {
                Ok(doc) => {
                    let doc = match &self.doc {
                        Some(old) => doc.replacing(old),
                        None => *doc,
                    };
                    self.info(format!(
                        "features re-computed at the new cut for {} examples — train again",
                        doc.total()
                    ));
                    self.set_document(doc);
                }
                Err(e) => self.error(format!("could not change the cut: {e}")),
            },
        }
    }
}
