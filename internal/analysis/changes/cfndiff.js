// cfndiff runs @aws-cdk/cloudformation-diff, the engine behind `cdk diff`,
// on pairs of templates and prints what it found as JSON, for package
// changes (engine.go, next to it) to report in `make diff`. It adds no
// judgement of its own.
//
//   node internal/analysis/changes/cfndiff.js < request.json > response.json
//
// request:  [{"stack": "Prod/Data", "old": "path or null", "new": "path or null"}, ...]
// response: [{"stack", "resources": [{"logicalId", "oldType", "newType", "change", "impact",
//             "properties": {"Name": "WILL_UPDATE" | "WILL_REPLACE" | "MAY_REPLACE" | ...},
//             "other": ["DeletionPolicy", ...]}],
//             "iam": {"added": [statement], "removed": [statement]},
//             "securityGroups": {"ingressAdded": [rule], "egressAdded": [rule], ...}}, ...]
'use strict';

const fs = require('fs');
const { fullDiff } = require('@aws-cdk/cloudformation-diff');

function readTemplate(path) {
  return path ? JSON.parse(fs.readFileSync(path, 'utf8')) : {};
}

function statement(s) {
  const r = s.render();
  return {
    effect: s.effect,
    negative: s.isNegativeStatement,
    actions: s.actions.values,
    notActions: s.actions.not,
    resources: s.resources.values,
    notResources: s.resources.not,
    principals: s.principals.values,
    condition: s.condition === undefined ? null : s.condition,
    rendered: { resource: r.resource, action: r.action, principal: r.principal, condition: r.condition },
  };
}

function rule(r) {
  return { ...r.toJson(), protocol: r.describeProtocol(), peerText: r.describePeer() };
}

function diffStack(req) {
  const diff = fullDiff(readTemplate(req.old), readTemplate(req.new));
  const resources = [];
  diff.resources.forEachDifference((logicalId, change) => {
    const properties = {};
    for (const [name, p] of Object.entries(change.propertyUpdates)) {
      properties[name] = p.changeImpact || 'WILL_UPDATE';
    }
    resources.push({
      logicalId,
      oldType: change.oldResourceType || null,
      newType: change.newResourceType || null,
      change: change.isAddition ? 'added' : change.isRemoval ? 'removed' : 'modified',
      impact: change.changeImpact,
      properties,
      other: Object.keys(change.otherChanges),
    });
  });
  const sg = diff.securityGroupChanges;
  return {
    stack: req.stack,
    resources,
    iam: {
      added: diff.iamChanges.statements.additions.map(statement),
      removed: diff.iamChanges.statements.removals.map(statement),
      managedPoliciesAdded: diff.iamChanges.managedPolicies.additions.map(m => m.managedPolicyArn),
    },
    securityGroups: {
      ingressAdded: sg.ingress.additions.map(rule),
      egressAdded: sg.egress.additions.map(rule),
    },
  };
}

const request = JSON.parse(fs.readFileSync(0, 'utf8'));
process.stdout.write(JSON.stringify(request.map(diffStack)));
