#!/bin/sh
# The single-user image's entry point (Dockerfile): before the server starts, fill or update the student's
# ~/mnist-course from the image's release with the same rule as `npm run classroom -- update` (a file the
# student changed is kept; the new version goes beside it). On Kubernetes the home is a volume that hides
# what the image put there, so this runs on every start. Then it runs the command it was given.
set -e
node /opt/mnist-course/scripts/lib/classroom/course.mjs install /opt/mnist-course/release \
  "$HOME/mnist-course" /opt/mnist-course/node_modules "$(date +%F)" >/dev/null
exec "$@"
