-- Who sent each submission (the volunteer holding the lease it was sent under). A rejected
-- submission is charged to that volunteer, not to the job: too many rejections in a window and
-- the volunteer gets no new lease for a while, while the job goes back to the queue.
ALTER TABLE submissions ADD COLUMN volunteer TEXT;
CREATE INDEX submissions_volunteer ON submissions (volunteer, verdict, created_at);
