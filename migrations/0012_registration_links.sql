CREATE TABLE "link_registrations" (
	"application_id" uuid PRIMARY KEY NOT NULL,
	"link_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "registration_links" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"token" text NOT NULL,
	"ministry" text NOT NULL,
	"label" text NOT NULL,
	"opens_at" timestamp with time zone,
	"closes_at" timestamp with time zone,
	"max_registrations" integer,
	"registrations_count" integer DEFAULT 0 NOT NULL,
	"revoked_at" timestamp with time zone,
	"created_by" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "registration_links_token_unique" UNIQUE("token"),
	CONSTRAINT "registration_links_cap" CHECK ("registration_links"."max_registrations" IS NULL OR "registration_links"."registrations_count" <= "registration_links"."max_registrations"),
	CONSTRAINT "registration_links_window" CHECK ("registration_links"."opens_at" IS NULL OR "registration_links"."closes_at" IS NULL OR "registration_links"."opens_at" < "registration_links"."closes_at")
);
--> statement-breakpoint
ALTER TABLE "link_registrations" ADD CONSTRAINT "link_registrations_application_id_applications_id_fk" FOREIGN KEY ("application_id") REFERENCES "public"."applications"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "link_registrations" ADD CONSTRAINT "link_registrations_link_id_registration_links_id_fk" FOREIGN KEY ("link_id") REFERENCES "public"."registration_links"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "registration_links" ADD CONSTRAINT "registration_links_ministry_ministries_code_fk" FOREIGN KEY ("ministry") REFERENCES "public"."ministries"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "registration_links" ADD CONSTRAINT "registration_links_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "link_registrations_link_idx" ON "link_registrations" USING btree ("link_id");--> statement-breakpoint
CREATE INDEX "registration_links_ministry_idx" ON "registration_links" USING btree ("ministry","created_at");