CREATE TABLE "duplicate_flag_log" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"application_ids" uuid[] NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "duplicate_flagging" (
	"id" smallint PRIMARY KEY NOT NULL,
	"seq" bigint NOT NULL,
	CONSTRAINT "duplicate_flagging_one_row" CHECK ("duplicate_flagging"."id" = 1)
);
