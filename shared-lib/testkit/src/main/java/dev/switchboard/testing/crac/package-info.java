/**
 * A CRaC implementation for tests, in the shape {@code org.crac} loads when the system property
 * {@code org.crac.Core.Compat} names its package (as the AWS Lambda Java runtime names
 * {@code com.amazonaws.services.lambda.crac}): {@link dev.switchboard.testing.crac.Core},
 * {@link dev.switchboard.testing.crac.Context}, {@link dev.switchboard.testing.crac.Resource} and the two exceptions.
 * With {@code -Dorg.crac.Core.Compat=dev.switchboard.testing.crac} (the functions' surefire configuration sets it),
 * {@code org.crac.Core.getGlobalContext().register(r)} reaches {@link dev.switchboard.testing.crac.Context#register}, so a
 * test sees what a handler registered.
 */
package dev.switchboard.testing.crac;
