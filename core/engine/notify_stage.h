#pragma once
/// The notify stage: sends due mails from the notification outbox, one claimed mail at a time,
/// with back-off for temporary failures. Without SMTP settings the mails wait in the outbox.
#include <memory>

#include "core/engine/stage_context.h"
#include "core/notify/smtp.h"

namespace sluis::engine {

class NotifyStage {
  public:
    explicit NotifyStage(StageContext& ctx) : ctx_(ctx) {}

    /// Creates the SMTP client when `notify.smtp` is configured.
    void start();
    /// Up to `worker.notify_batch` mails. Returns the number of mails handled.
    size_t run();

  private:
    /// Logs a failed record of a mail attempt: quietly when the claim was lost.
    void recorded(long long id, const Status& st);

    StageContext& ctx_;
    std::unique_ptr<notify::SmtpClient> smtp_;
};

}  // namespace sluis::engine
