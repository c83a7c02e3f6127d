CREATE TABLE "import_batches" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"ministry" text NOT NULL,
	"imported_by" uuid NOT NULL,
	"format" text NOT NULL,
	"rows" integer NOT NULL,
	"duplicates_flagged" integer NOT NULL,
	"sha256" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "applications" ADD COLUMN "import_batch_id" uuid;--> statement-breakpoint
ALTER TABLE "import_batches" ADD CONSTRAINT "import_batches_ministry_ministries_code_fk" FOREIGN KEY ("ministry") REFERENCES "public"."ministries"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "import_batches" ADD CONSTRAINT "import_batches_imported_by_users_id_fk" FOREIGN KEY ("imported_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "applications" ADD CONSTRAINT "applications_import_batch_id_import_batches_id_fk" FOREIGN KEY ("import_batch_id") REFERENCES "public"."import_batches"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "applications_import_batch_idx" ON "applications" USING btree ("import_batch_id");--> statement-breakpoint
ALTER TABLE "applications" ADD CONSTRAINT "applications_batch" CHECK (("applications"."channel" = 'batch_import') = ("applications"."import_batch_id" IS NOT NULL));